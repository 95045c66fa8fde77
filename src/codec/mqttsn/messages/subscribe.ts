/** Subscriptions: SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (MQTT-SN §5.4.15-§5.4.18, flows in §6.9). */
import { fail } from '../errors.js';
import {
  badReturnCode,
  badTopicName,
  checkQoSLevel,
  checkReturnCode,
  checkU16,
  isReturnCode,
  readTopicName,
  utf8Size,
  writeU16,
  wrongSize,
} from '../fields.js';
import { encodeFlags, FLAG_DUP, qosOfFlags, topicIdTypeOfFlags } from '../flags.js';
import type {
  DecodeError,
  SubackPacket,
  SubscribePacket,
  SubscribeTopic,
  UnsubscribePacket,
} from '../types.js';
import { MsgType } from '../types.js';
import type { BodyCodec } from './body-codec.js';
import { msgIdOnly } from './shapes.js';
import { readShortName, writeTopicIdField } from './topic-field.js';

type TopicResult = { ok: true; topic: SubscribeTopic } | { ok: false; error: DecodeError };

/**
 * The end of a SUBSCRIBE/UNSUBSCRIBE (Table 19): TopicName(5:n) for TopicIdType 0b00, or exactly
 * two octets TopicId(5,6) for a predefined id (0b01) or a short name (0b10). 0b11 is reserved.
 */
function readSubscribeTopic(
  buf: Buffer,
  start: number,
  end: number,
  msgType: number,
  section: string,
): TopicResult {
  const flags = buf[start]!;
  const msgId = buf.readUInt16BE(start + 1);
  const context = { msgType, msgId };
  const topicIdType = topicIdTypeOfFlags(flags);
  const label = msgType === MsgType.SUBSCRIBE ? 'SUBSCRIBE' : 'UNSUBSCRIBE';
  if (topicIdType === undefined) {
    return fail('invalid-field', `${label}: TopicIdType 0b11 is reserved (MQTT-SN ${section})`, context);
  }
  const topicStart = start + 3;
  if (topicIdType === 'normal') {
    const name = readTopicName(buf, topicStart, end);
    if (name === undefined) return badTopicName(msgType, { msgId });
    return { ok: true, topic: { type: 'name', name } };
  }
  if (end - topicStart !== 2) {
    const failure = wrongSize(msgType, end - start, `5 for a ${topicIdType} topic`, section);
    failure.error.msgId = msgId;
    return failure;
  }
  if (topicIdType === 'predefined') {
    return { ok: true, topic: { type: 'predefined', id: buf.readUInt16BE(topicStart) } };
  }
  const name = readShortName(buf, topicStart);
  if (name === undefined) return badTopicName(msgType, { msgId });
  return { ok: true, topic: { type: 'short', name } };
}

function subscribeTopicSize(topic: SubscribeTopic): number {
  return topic.type === 'name' ? utf8Size(topic.name) : 2;
}

function writeSubscribeTopic(
  type: 'SUBSCRIBE' | 'UNSUBSCRIBE',
  topic: SubscribeTopic,
  buf: Buffer,
  o: number,
) {
  if (topic.type === 'name') buf.write(topic.name, o, 'utf8');
  else writeTopicIdField(type, topic, buf, o);
}

/** TopicIdType bits of a subscribe topic: 0b00 means "topic name" here (§5.4.15). */
function subscribeTopicIdType(topic: SubscribeTopic): 'normal' | 'predefined' | 'short' {
  return topic.type === 'name' ? 'normal' : topic.type;
}

/** §5.4.15 Table 19: Flags(2) MsgId(3,4) TopicName(5:n) or TopicId(5,6). Flags: DUP, QoS, TopicIdType. */
export const subscribe: BodyCodec<SubscribePacket> = {
  decode(buf, start, end) {
    if (end - start < 3) return wrongSize(MsgType.SUBSCRIBE, end - start, 'at least 3', '§5.4.15');
    const flags = buf[start]!;
    const qos = qosOfFlags(flags);
    if (qos === -1) {
      return fail('invalid-field', 'SUBSCRIBE: QoS 0b11 (−1) is only valid in PUBLISH (MQTT-SN §5.3.4)', {
        msgType: MsgType.SUBSCRIBE,
        msgId: buf.readUInt16BE(start + 1),
      });
    }
    const topic = readSubscribeTopic(buf, start, end, MsgType.SUBSCRIBE, '§5.4.15');
    if (!topic.ok) return topic;
    return {
      ok: true,
      packet: {
        type: 'SUBSCRIBE',
        dup: (flags & FLAG_DUP) !== 0,
        qos,
        msgId: buf.readUInt16BE(start + 1),
        topic: topic.topic,
      },
    };
  },
  size: (p) => 3 + subscribeTopicSize(p.topic),
  write(p, buf, o) {
    const qos = checkQoSLevel('SUBSCRIBE', p.qos);
    buf[o] = encodeFlags({ dup: p.dup, qos, topicIdType: subscribeTopicIdType(p.topic) });
    writeU16(buf, o + 1, checkU16('SUBSCRIBE', 'MsgId', p.msgId));
    writeSubscribeTopic('SUBSCRIBE', p.topic, buf, o + 3);
  },
};

/** §5.4.16 Table 20: Flags(2) TopicId(3,4) MsgId(5,6) ReturnCode(7). Flags: granted QoS only. */
export const suback: BodyCodec<SubackPacket> = {
  decode(buf, start, end) {
    if (end - start !== 6) return wrongSize(MsgType.SUBACK, end - start, '6', '§5.4.16');
    const topicId = buf.readUInt16BE(start + 1);
    const msgId = buf.readUInt16BE(start + 3);
    const qos = qosOfFlags(buf[start]!);
    if (qos === -1) {
      return fail(
        'invalid-field',
        'SUBACK: granted QoS 0b11 (−1) is only valid in PUBLISH (MQTT-SN §5.3.4)',
        {
          msgType: MsgType.SUBACK,
          msgId,
        },
      );
    }
    const returnCode = buf[start + 5]!;
    if (!isReturnCode(returnCode)) return badReturnCode(MsgType.SUBACK, returnCode, { msgId });
    return { ok: true, packet: { type: 'SUBACK', qos, topicId, msgId, returnCode } };
  },
  size: () => 6,
  write(p, buf, o) {
    buf[o] = encodeFlags({ qos: checkQoSLevel('SUBACK', p.qos) });
    writeU16(buf, o + 1, checkU16('SUBACK', 'TopicId', p.topicId));
    writeU16(buf, o + 3, checkU16('SUBACK', 'MsgId', p.msgId));
    buf[o + 5] = checkReturnCode('SUBACK', p.returnCode);
  },
};

/** §5.4.17, same layout as SUBSCRIBE (Table 19); only TopicIdType is used in the Flags. */
export const unsubscribe: BodyCodec<UnsubscribePacket> = {
  decode(buf, start, end) {
    if (end - start < 3) return wrongSize(MsgType.UNSUBSCRIBE, end - start, 'at least 3', '§5.4.17');
    const topic = readSubscribeTopic(buf, start, end, MsgType.UNSUBSCRIBE, '§5.4.17');
    if (!topic.ok) return topic;
    return {
      ok: true,
      packet: { type: 'UNSUBSCRIBE', msgId: buf.readUInt16BE(start + 1), topic: topic.topic },
    };
  },
  size: (p) => 3 + subscribeTopicSize(p.topic),
  write(p, buf, o) {
    buf[o] = encodeFlags({ topicIdType: subscribeTopicIdType(p.topic) });
    writeU16(buf, o + 1, checkU16('UNSUBSCRIBE', 'MsgId', p.msgId));
    writeSubscribeTopic('UNSUBSCRIBE', p.topic, buf, o + 3);
  },
};

/** §5.4.18 Table 21: MsgId(2,3). */
export const unsuback = msgIdOnly('UNSUBACK', '§5.4.18');
