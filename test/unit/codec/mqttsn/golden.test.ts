/**
 * Golden bytes for every MQTT-SN v1.2 message, built by hand from the layouts of MQTT-SN §5.4
 * (1-octet Length form, as the spec's tables are drawn) and §5.5. Each case checks both directions:
 * the bytes decode to the packet, and the packet encodes to exactly these bytes.
 */
import { describe, expect, it } from 'vitest';
import { encode, type MqttSnPacket } from '../../../../src/codec/mqttsn/index.js';
import { goldenCases } from './golden-cases.js';
import { decodeOk, hex } from './helpers.js';

const cases = goldenCases;

describe('golden bytes, one per message layout (MQTT-SN §5.4, §5.5)', () => {
  it.each(cases)('$name decodes', ({ bytes, packet }) => {
    expect(decodeOk(hex(bytes))).toEqual(packet);
  });

  it.each(cases)('$name encodes', ({ bytes, packet }) => {
    expect(encode(packet).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  it('covers every message type of Table 3', () => {
    const types = new Set(cases.map((c) => c.packet.type));
    expect(types.size).toBe(28);
  });

  it('§5.5 encodes an encapsulated packet given as a packet, not bytes', () => {
    const packet: MqttSnPacket = {
      type: 'ENCAPSULATED',
      radius: 2,
      wirelessNodeId: hex('0013a20040a1b2c3'),
      inner: { type: 'PUBACK', topicId: 1, msgId: 2, returnCode: 0 },
    };
    expect(encode(packet).toString('hex')).toBe('0bfe020013a20040a1b2c3070d0001000200');
  });

  it('§5.3.4 ignores "not used" flag bits on input and writes them as 0', () => {
    // CONNECT with DUP, QoS 0b11, Retain and TopicIdType 0b11 set besides Will and CleanSession.
    const connect = decodeOk(hex('07 04 ff 01 003c 61'));
    expect(connect).toEqual({ type: 'CONNECT', will: true, cleanSession: true, duration: 60, clientId: 'a' });
    expect(encode(connect).toString('hex')).toBe('0704' + '0c' + '01003c61');
    // UNSUBSCRIBE: only TopicIdType is used (§5.4.17); SUBACK: only QoS (§5.4.16).
    expect(decodeOk(hex('07 14 f9 0004 0005'))).toEqual({
      type: 'UNSUBSCRIBE',
      msgId: 4,
      topic: { type: 'predefined', id: 5 },
    });
    expect(decodeOk(hex('08 13 bf 0000 0003 00'))).toEqual({
      type: 'SUBACK',
      qos: 1,
      topicId: 0,
      msgId: 3,
      returnCode: 0,
    });
    // §5.5 Table 29: Ctrl bits 7-2 are reserved; only the radius is kept.
    expect(decodeOk(hex('03 fe fd 02 17'))).toEqual({
      type: 'ENCAPSULATED',
      radius: 1,
      wirelessNodeId: Buffer.alloc(0),
      inner: hex('0217'),
    });
  });

  it('a 3-octet WILLTOPIC (Flags, no topic) is not the empty form: topic ""', () => {
    expect(decodeOk(hex('03 07 00'))).toEqual({
      type: 'WILLTOPIC',
      will: { qos: 0, retain: false, topic: '' },
    });
  });

  it('§6.7 a short topic name may be one 2-octet UTF-8 character', () => {
    const packet = decodeOk(hex('07 0c 02 c3a9 0000'));
    expect(packet).toMatchObject({ type: 'PUBLISH', topic: { type: 'short', name: 'é' } });
  });

  it('decoded buffers do not alias the datagram (a transport may reuse it)', () => {
    const datagram = hex('0c 0c 20 0001 0007 68656c6c6f');
    const packet = decodeOk(datagram);
    datagram.fill(0);
    expect(packet).toMatchObject({ payload: Buffer.from('hello') });
  });
});
