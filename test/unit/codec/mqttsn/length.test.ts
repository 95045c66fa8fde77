/**
 * The Length field, MQTT-SN §5.2.1: 1 octet (total 2..255) or 0x01 + 16 bits (total up to 65535),
 * always counting the whole message including the Length field itself. Input accepts both forms;
 * output uses the 1-octet form whenever the total fits in 255 octets.
 */
import { describe, expect, it } from 'vitest';
import {
  decode,
  EncodeError,
  encode,
  encodedLength,
  headerSizeFor,
  type MqttSnPacket,
  readHeader,
  tryEncode,
} from '../../../../src/codec/mqttsn/index.js';
import { decodeErr, decodeOk, hex } from './helpers.js';

function publishWithPayload(size: number): MqttSnPacket {
  return {
    type: 'PUBLISH',
    dup: false,
    qos: 1,
    retain: false,
    topic: { type: 'normal', id: 1 },
    msgId: 7,
    payload: Buffer.alloc(size, 0xab),
  };
}

/** PUBLISH variable part: Flags(1) TopicId(2) MsgId(2) then the data (§5.4.12). */
const PUBLISH_FIXED = 5;

describe('§5.2.1 Length: the 255/256 boundary', () => {
  it('a 255-octet message uses the 1-octet form (Length 0xFF counts itself)', () => {
    const buf = encode(publishWithPayload(255 - 2 - PUBLISH_FIXED));
    expect(buf.length).toBe(255);
    expect(buf.subarray(0, 3).toString('hex')).toBe('ff0c20');
    expect(decodeOk(buf)).toEqual(publishWithPayload(248));
  });

  it('one more octet of data needs the 3-octet form: 4 + 254 = 258 octets, never 256', () => {
    const buf = encode(publishWithPayload(249));
    expect(buf.length).toBe(258);
    expect(buf.subarray(0, 5).toString('hex')).toBe('0101020c20');
    expect(decodeOk(buf)).toEqual(publishWithPayload(249));
  });

  it('two more octets: 259 octets, Length 0x0103', () => {
    const buf = encode(publishWithPayload(250));
    expect(buf.length).toBe(259);
    expect(buf.subarray(0, 4).toString('hex')).toBe('0101030c');
  });

  it('decodes hand-built 3-octet messages of total 256 and 257 (which the encoder never makes)', () => {
    for (const total of [256, 257]) {
      const payload = total - 4 - PUBLISH_FIXED;
      const buf = Buffer.concat([
        hex('01'),
        Buffer.from([total >> 8, total & 0xff]),
        hex('0c 20 0001 0007'),
        Buffer.alloc(payload, 0xab),
      ]);
      expect(buf.length).toBe(total);
      expect(decodeOk(buf)).toEqual(publishWithPayload(payload));
      // Re-encoding picks the 1-octet form when it fits: 256 → 254, 257 → 255 octets.
      expect(encode(decodeOk(buf)).length).toBe(total - 2);
    }
  });

  it('headerSizeFor decides on the total, not on the body', () => {
    expect(headerSizeFor(253)).toBe(2);
    expect(headerSizeFor(254)).toBe(4);
  });
});

describe('§5.2.1 Length: the 3-octet form for short messages', () => {
  it('decodes a 10-octet PUBLISH sent with the 3-octet Length', () => {
    const buf = hex('01 000a 0c 20 0001 0007 61');
    expect(buf.length).toBe(10);
    expect(decodeOk(buf)).toEqual({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: 1 },
      msgId: 7,
      payload: Buffer.from('a'),
    });
    expect(encode(decodeOk(buf)).toString('hex')).toBe('080c2000010007' + '61');
  });

  it('decodes a 4-octet PINGRESP and a 3-octet-form forwarder encapsulation', () => {
    expect(decodeOk(hex('01 0004 17'))).toEqual({ type: 'PINGRESP' });
    expect(decodeOk(hex('01 0006 fe 00 07  02 16'))).toEqual({
      type: 'ENCAPSULATED',
      radius: 0,
      wirelessNodeId: hex('07'),
      inner: hex('0216'),
    });
  });

  it('readHeader reports the form and where the variable part starts', () => {
    expect(readHeader(hex('01 000a 0c'))).toEqual({
      ok: true,
      header: { length: 10, headerSize: 4, msgType: 0x0c },
    });
    expect(readHeader(hex('0a 0c'))).toEqual({
      ok: true,
      header: { length: 10, headerSize: 2, msgType: 0x0c },
    });
  });
});

describe('§5.2.1 Length: the largest message', () => {
  it('encodes and decodes 65535 octets', () => {
    const packet = publishWithPayload(65535 - 4 - PUBLISH_FIXED);
    expect(encodedLength(packet)).toBe(65535);
    const buf = encode(packet);
    expect(buf.subarray(0, 3).toString('hex')).toBe('01ffff');
    expect(decodeOk(buf)).toEqual(packet);
  });

  it('refuses 65536 octets with an EncodeError, and tryEncode returns it', () => {
    const packet = publishWithPayload(65535 - 4 - PUBLISH_FIXED + 1);
    expect(() => encode(packet)).toThrow(EncodeError);
    const result = tryEncode(packet);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/65536 octets exceed/);
  });
});

describe('§5.2.1 Length: malformed headers are typed errors', () => {
  it.each([
    ['empty datagram', '', 'truncated'],
    ['one octet', '02', 'truncated'],
    ['3-octet form cut after the marker', '01 00', 'truncated'],
    ['3-octet form cut before MsgType', '01 0004', 'truncated'],
    ['Length 0x00', '00 16', 'invalid-length'],
    ['3-octet Length 3 (shorter than its header)', '01 0003 16', 'invalid-length'],
    ['3-octet Length 0', '01 0000 16', 'invalid-length'],
  ])('%s → %s', (_name, bytes, kind) => {
    expect(decodeErr(hex(bytes)).kind).toBe(kind);
  });

  it('Length larger than the datagram → truncated', () => {
    expect(decodeErr(hex('05 18 00')).kind).toBe('truncated');
    expect(decodeErr(hex('01 0100 0c 20 0001 0007')).kind).toBe('truncated');
  });

  it('§5.1 trailing octets after the message → length-mismatch (a datagram is one message)', () => {
    const error = decodeErr(hex('02 16 00'));
    expect(error).toMatchObject({ kind: 'length-mismatch', msgType: 0x16 });
    expect(decodeErr(hex('01 0004 17 17')).kind).toBe('length-mismatch');
  });

  it('two messages glued in one datagram are rejected, not half-read', () => {
    expect(decode(Buffer.concat([hex('02 17'), hex('02 17')])).ok).toBe(false);
  });
});
