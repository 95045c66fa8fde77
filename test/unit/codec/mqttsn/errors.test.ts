/**
 * Every inconsistent or reserved input gives a typed DecodeError (never an exception), with the
 * context the gateway needs to answer (msgType, msgId, topicId where readable).
 */
import { describe, expect, it } from 'vitest';
import {
  decode,
  EncodeError,
  encode,
  type MqttSnPacket,
  tryEncode,
} from '../../../../src/codec/mqttsn/index.js';
import { decodeErr, hex } from './helpers.js';

describe('§5.2.2 reserved MsgType values', () => {
  it.each([0x03, 0x11, 0x19, 0x1e, 0x80, 0xfd, 0xff])('0x%s → reserved-type', (type) => {
    const error = decodeErr(Buffer.from([0x03, type, 0x00]));
    expect(error).toMatchObject({ kind: 'reserved-type', msgType: type });
  });
});

describe('§5.4 messages whose size does not fit their layout → wrong-size', () => {
  it.each([
    ['§5.4.1 ADVERTISE without Duration', '03 00 01'],
    ['§5.4.2 SEARCHGW without Radius', '02 01'],
    ['§5.4.3 GWINFO without GwId', '02 02'],
    ['§5.4.4 CONNECT cut before ClientId', '05 04 04 01 00'],
    ['§5.4.5 CONNACK with two octets', '04 05 00 00'],
    ['§5.4.6 WILLTOPICREQ with a body', '03 06 00'],
    ['§5.4.10 REGISTER without MsgId', '04 0a 0000'],
    ['§5.4.11 REGACK without ReturnCode', '06 0b 0001 0001'],
    ['§5.4.12 PUBLISH without MsgId', '05 0c 20 0001'],
    ['§5.4.13 PUBACK with an extra octet', '08 0d 0001 0007 00 00'],
    ['§5.4.14 PUBREC of one octet', '03 0f 07'],
    ['§5.4.15 SUBSCRIBE without MsgId', '04 12 20 00'],
    ['§5.4.15 SUBSCRIBE predefined id of 3 octets', '08 12 01 0003 010203'],
    ['§5.4.15 SUBSCRIBE short name of 1 octet', '06 12 02 0003 61'],
    ['§5.4.16 SUBACK without ReturnCode', '07 13 20 0000 0003'],
    ['§5.4.17 UNSUBSCRIBE predefined without id', '05 14 01 0004'],
    ['§5.4.18 UNSUBACK of three octets', '05 15 00 04 00'],
    ['§5.4.20 PINGRESP with a body', '03 17 00'],
    ['§5.4.21 DISCONNECT with a 1-octet duration', '03 18 1e'],
    ['§5.4.21 DISCONNECT with a 3-octet duration', '05 18 00 1e 00'],
    ['§5.4.24 WILLTOPICRESP without ReturnCode', '02 1b'],
  ])('%s', (_name, bytes) => {
    const error = decodeErr(hex(bytes));
    expect(error.kind).toBe('wrong-size');
    expect(error.msgType).toBe(hex(bytes)[1]);
  });

  it('a wrong-size SUBSCRIBE still reports its MsgId (for a SUBACK)', () => {
    expect(decodeErr(hex('08 12 01 0003 010203'))).toMatchObject({ msgId: 3 });
  });
});

describe('reserved field values → invalid-field', () => {
  it('§5.3.8 CONNECT with ProtocolId 0x02 (MQTT-SN v2.0)', () => {
    expect(decodeErr(hex('07 04 04 02 003c 61'))).toMatchObject({ kind: 'invalid-field', msgType: 0x04 });
  });

  it.each([
    ['§5.4.5 CONNACK', '03 05 04'],
    ['§5.4.11 REGACK', '07 0b 0001 0001 80'],
    ['§5.4.13 PUBACK', '07 0d 0001 0007 ff'],
    ['§5.4.16 SUBACK', '08 13 20 0000 0003 04'],
    ['§5.4.24 WILLTOPICRESP', '03 1b 05'],
    ['§5.4.25 WILLMSGRESP', '03 1d 84'],
  ])('§5.3.10 reserved ReturnCode in %s', (_name, bytes) => {
    expect(decodeErr(hex(bytes)).kind).toBe('invalid-field');
  });

  it('§5.3.4 PUBLISH with TopicIdType 0b11, reporting MsgId and TopicId (for a PUBACK)', () => {
    expect(decodeErr(hex('08 0c 23 0102 0007 00'))).toEqual({
      kind: 'invalid-field',
      message: expect.stringContaining('TopicIdType 0b11'),
      msgType: 0x0c,
      msgId: 7,
      topicId: 0x0102,
    });
  });

  it('§5.3.4 SUBSCRIBE / UNSUBSCRIBE with TopicIdType 0b11, reporting MsgId', () => {
    expect(decodeErr(hex('07 12 23 0009 0001'))).toMatchObject({ kind: 'invalid-field', msgId: 9 });
    expect(decodeErr(hex('07 14 03 0009 0001'))).toMatchObject({ kind: 'invalid-field', msgId: 9 });
  });

  it.each([
    ['§5.4.15 SUBSCRIBE', '08 12 60 0003 612f23'],
    ['§5.4.16 SUBACK', '08 13 60 0000 0003 00'],
    ['§5.4.7 WILLTOPIC', '04 07 60 74'],
    ['§5.4.22 WILLTOPICUPD', '04 1a 70 74'],
  ])('§5.3.4 QoS 0b11 (−1) outside PUBLISH: %s', (_name, bytes) => {
    expect(decodeErr(hex(bytes)).kind).toBe('invalid-field');
  });
});

describe('§5.3.12 strings must be well-formed UTF-8 → invalid-utf8', () => {
  it.each([
    ['REGISTER topic with a lone continuation octet', '07 0a 0000 0001 80'],
    ['REGISTER topic with an overlong "/" (C0 AF)', '08 0a 0000 0001 c0af'],
    ['REGISTER topic with a UTF-16 surrogate (ED A0 80)', '09 0a 0000 0001 eda080'],
    ['REGISTER topic cut in the middle of a character', '07 0a 0000 0001 c3'],
    ['REGISTER topic containing U+0000', '09 0a 0000 0001 610062'],
    ['SUBSCRIBE topic name', '06 12 00 0003 ff'],
    ['UNSUBSCRIBE topic name', '06 14 00 0003 fe'],
    ['PUBLISH short topic name', '07 0c 02 ff61 0000'],
    ['SUBSCRIBE short topic name with U+0000', '07 12 02 0003 0061'],
    ['CONNECT ClientId', '07 04 04 01 003c ff'],
    ['PINGREQ ClientId', '03 16 c3'],
    ['WILLTOPIC', '04 07 20 ff'],
    ['WILLTOPICUPD', '04 1a 20 ff'],
  ])('%s', (_name, bytes) => {
    const buf = hex(bytes);
    buf[0] = buf.length; // keep the Length consistent: only the string is wrong
    expect(decodeErr(buf).kind).toBe('invalid-utf8');
  });

  it('a REGISTER with a bad topic name still reports its MsgId (for a REGACK)', () => {
    expect(decodeErr(hex('07 0a 0000 0042 80'))).toMatchObject({ kind: 'invalid-utf8', msgId: 0x42 });
  });

  it('binary payloads are not checked: PUBLISH data and WILLMSG may be any octets', () => {
    expect(decode(hex('08 0c 20 0001 0007 ff')).ok).toBe(true);
    expect(decode(hex('03 09 ff')).ok).toBe(true);
  });
});

describe('§5.5 forwarder encapsulation errors', () => {
  it.each([
    ['Length 2 leaves no Ctrl octet', '02 fe 02 16', 'invalid-length'],
    ['Length beyond the datagram', '06 fe 00 0a0b', 'truncated'],
    ['no encapsulated message', '04 fe 00 0a', 'truncated'],
    ['one octet of encapsulated message', '04 fe 00 0a 02', 'truncated'],
    ['encapsulated message shorter than its Length', '04 fe 00 0a 03 05', 'truncated'],
    ['octets after the encapsulated message', '04 fe 00 0a 02 16 00', 'length-mismatch'],
    ['encapsulated message with Length 0x00', '04 fe 00 0a 00 16', 'invalid-length'],
    ['a forwarder inside a forwarder', '03 fe 00 05 fe 00 0a 02 16', 'invalid-field'],
  ])('%s → %s', (_name, bytes, kind) => {
    expect(decodeErr(hex(bytes))).toMatchObject({ kind, msgType: 0xfe });
  });

  it('a reserved type inside an encapsulation decodes: the inner message is checked when decoded itself', () => {
    // Outer decode only frames; the gateway decodes `inner` and reports the error against the node.
    const outer = decode(hex('04 fe 00 0a 03 03 00'));
    expect(outer.ok).toBe(true);
    if (outer.ok && outer.packet.type === 'ENCAPSULATED' && Buffer.isBuffer(outer.packet.inner)) {
      expect(decodeErr(outer.packet.inner).kind).toBe('reserved-type');
    } else {
      expect.unreachable('expected an encapsulated packet with raw inner bytes');
    }
  });
});

describe('encode refuses what cannot be put on the wire (EncodeError, or a result from tryEncode)', () => {
  const bad: [string, MqttSnPacket][] = [
    ['MsgId 65536', { type: 'PUBREC', msgId: 65536 }],
    ['negative MsgId', { type: 'UNSUBACK', msgId: -1 }],
    ['fractional Duration', { type: 'DISCONNECT', duration: 1.5 }],
    ['GwId 256', { type: 'ADVERTISE', gwId: 256, duration: 1 }],
    ['TopicId 70000', { type: 'REGACK', topicId: 70000, msgId: 1, returnCode: 0 }],
    ['reserved ReturnCode', { type: 'CONNACK', returnCode: 4 as 0 }],
    [
      '3-octet short topic',
      {
        type: 'PUBLISH',
        dup: false,
        qos: 0,
        retain: false,
        topic: { type: 'short', name: 'abc' },
        msgId: 0,
        payload: Buffer.alloc(0),
      },
    ],
    [
      '1-octet short topic',
      { type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'short', name: 'a' } },
    ],
    [
      'PUBLISH QoS 3',
      {
        type: 'PUBLISH',
        dup: false,
        qos: 3 as 0,
        retain: false,
        topic: { type: 'normal', id: 1 },
        msgId: 0,
        payload: Buffer.alloc(0),
      },
    ],
    [
      'SUBSCRIBE QoS −1',
      { type: 'SUBSCRIBE', dup: false, qos: -1 as 0, msgId: 1, topic: { type: 'name', name: 'a' } },
    ],
    ['will QoS −1', { type: 'WILLTOPIC', will: { qos: -1 as 0, retain: false, topic: 'a' } }],
    ['radius 4', { type: 'ENCAPSULATED', radius: 4, wirelessNodeId: Buffer.alloc(1), inner: hex('0216') }],
    [
      'node id of 253 octets',
      { type: 'ENCAPSULATED', radius: 0, wirelessNodeId: Buffer.alloc(253), inner: hex('0216') },
    ],
    [
      'nested encapsulation',
      {
        type: 'ENCAPSULATED',
        radius: 0,
        wirelessNodeId: Buffer.alloc(1),
        inner: { type: 'ENCAPSULATED', radius: 0, wirelessNodeId: Buffer.alloc(1), inner: hex('0216') },
      },
    ],
    [
      'REGISTER topic over 65535 octets',
      { type: 'REGISTER', topicId: 1, msgId: 1, topicName: 'x'.repeat(65532) },
    ],
  ];

  it.each(bad)('%s', (_name, packet) => {
    expect(() => encode(packet)).toThrow(EncodeError);
    const result = tryEncode(packet);
    expect(result.ok).toBe(false);
  });

  it('a 252-octet node id is the most that fits the 1-octet encapsulation Length', () => {
    const buf = encode({
      type: 'ENCAPSULATED',
      radius: 0,
      wirelessNodeId: Buffer.alloc(252, 1),
      inner: hex('0216'),
    });
    expect(buf[0]).toBe(255);
  });
});
