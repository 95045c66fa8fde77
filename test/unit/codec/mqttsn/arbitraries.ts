/** fast-check generators of valid MQTT-SN packets (every type of §5.4 and the §5.5 encapsulation). */
import fc from 'fast-check';
import type {
  MqttSnPacket,
  PublishTopic,
  QoSLevel,
  ReturnCode,
  SubscribeTopic,
  WillTopicFields,
} from '../../../../src/codec/mqttsn/index.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const returnCode = fc.constantFrom<ReturnCode>(0, 1, 2, 3);
const qosLevel = fc.constantFrom<QoSLevel>(0, 1, 2);
/** Any well-formed Unicode string (no lone surrogates, which UTF-8 cannot carry). */
const text = fc.string({ unit: 'binary', maxLength: 40 });
/** Topic names: UTF-8 without U+0000 ([MQTT-4.7.3-2]). */
const topicName = text.filter((s) => !s.includes('\u0000'));
/**
 * Octet strings up to `maxLength`, with extra weight right around the 255-octet boundary of the
 * 1-octet Length form (§5.2.1), where a uniform draw would rarely land.
 */
const bytes = (maxLength: number) =>
  fc
    .oneof(
      fc.uint8Array({ maxLength }),
      fc.integer({ min: 240, max: 260 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    )
    .map((a) => Buffer.from(a.subarray(0, maxLength)));
/** A short topic name: exactly 2 octets of UTF-8 — two ASCII characters or one 2-octet character. */
export const shortName = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 1, max: 0x7f }).map((c) => String.fromCharCode(c)),
    minLength: 2,
    maxLength: 2,
  }),
  fc.integer({ min: 0x80, max: 0x7ff }).map((c) => String.fromCodePoint(c)),
);

const publishTopic: fc.Arbitrary<PublishTopic> = fc.oneof(
  u16.map((id) => ({ type: 'normal' as const, id })),
  u16.map((id) => ({ type: 'predefined' as const, id })),
  shortName.map((name) => ({ type: 'short' as const, name })),
);
const subscribeTopic: fc.Arbitrary<SubscribeTopic> = fc.oneof(
  topicName.map((name) => ({ type: 'name' as const, name })),
  u16.map((id) => ({ type: 'predefined' as const, id })),
  shortName.map((name) => ({ type: 'short' as const, name })),
);
const willFields: fc.Arbitrary<WillTopicFields | null> = fc.option(
  fc.record({ qos: qosLevel, retain: fc.boolean(), topic: topicName }),
);

/** Every message of §5.4 (not the encapsulation). */
export const plainPacket: fc.Arbitrary<MqttSnPacket> = fc.oneof(
  fc.record({ type: fc.constant('ADVERTISE' as const), gwId: u8, duration: u16 }),
  fc.record({ type: fc.constant('SEARCHGW' as const), radius: u8 }),
  fc.record(
    { type: fc.constant('GWINFO' as const), gwId: u8, gwAdd: bytes(16).filter((b) => b.length > 0) },
    { requiredKeys: ['type', 'gwId'] },
  ),
  fc.record({
    type: fc.constant('CONNECT' as const),
    will: fc.boolean(),
    cleanSession: fc.boolean(),
    duration: u16,
    clientId: text,
  }),
  fc.record({ type: fc.constant('CONNACK' as const), returnCode }),
  fc.constant({ type: 'WILLTOPICREQ' as const }),
  fc.record({ type: fc.constant('WILLTOPIC' as const), will: willFields }),
  fc.constant({ type: 'WILLMSGREQ' as const }),
  fc.record({ type: fc.constant('WILLMSG' as const), willMsg: bytes(300) }),
  fc.record({ type: fc.constant('REGISTER' as const), topicId: u16, msgId: u16, topicName }),
  fc.record({ type: fc.constant('REGACK' as const), topicId: u16, msgId: u16, returnCode }),
  fc.record({
    type: fc.constant('PUBLISH' as const),
    dup: fc.boolean(),
    qos: fc.constantFrom(-1 as const, 0 as const, 1 as const, 2 as const),
    retain: fc.boolean(),
    topic: publishTopic,
    msgId: u16,
    payload: bytes(600),
  }),
  fc.record({ type: fc.constant('PUBACK' as const), topicId: u16, msgId: u16, returnCode }),
  fc.record({ type: fc.constant('PUBREC' as const), msgId: u16 }),
  fc.record({ type: fc.constant('PUBREL' as const), msgId: u16 }),
  fc.record({ type: fc.constant('PUBCOMP' as const), msgId: u16 }),
  fc.record({
    type: fc.constant('SUBSCRIBE' as const),
    dup: fc.boolean(),
    qos: qosLevel,
    msgId: u16,
    topic: subscribeTopic,
  }),
  fc.record({ type: fc.constant('SUBACK' as const), qos: qosLevel, topicId: u16, msgId: u16, returnCode }),
  fc.record({ type: fc.constant('UNSUBSCRIBE' as const), msgId: u16, topic: subscribeTopic }),
  fc.record({ type: fc.constant('UNSUBACK' as const), msgId: u16 }),
  fc.record(
    { type: fc.constant('PINGREQ' as const), clientId: text.filter((s) => s.length > 0) },
    { requiredKeys: ['type'] },
  ),
  fc.constant({ type: 'PINGRESP' as const }),
  fc.record({ type: fc.constant('DISCONNECT' as const), duration: u16 }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('WILLTOPICUPD' as const), will: willFields }),
  fc.record({ type: fc.constant('WILLMSGUPD' as const), willMsg: bytes(300) }),
  fc.record({ type: fc.constant('WILLTOPICRESP' as const), returnCode }),
  fc.record({ type: fc.constant('WILLMSGRESP' as const), returnCode }),
);

/** §5.5: a plain packet behind a forwarder. */
export const encapsulatedPacket: fc.Arbitrary<MqttSnPacket> = fc.record({
  type: fc.constant('ENCAPSULATED' as const),
  radius: fc.integer({ min: 0, max: 3 }),
  wirelessNodeId: bytes(252),
  inner: plainPacket,
});

export const anyPacket: fc.Arbitrary<MqttSnPacket> = fc.oneof(
  { arbitrary: plainPacket, weight: 9 },
  { arbitrary: encapsulatedPacket, weight: 1 },
);
