/**
 * Property tests (fast-check): every valid packet survives encode → decode, and no input at all —
 * random octets, truncations, mutations of valid messages — makes decode throw: it gives a packet
 * or a typed DecodeError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DecodeErrorKind,
  type DecodeResult,
  decode,
  encode,
  encodedLength,
  type MqttSnPacket,
  MsgType,
} from '../../../../src/codec/mqttsn/index.js';
import { anyPacket, plainPacket } from './arbitraries.js';

/** What decode gives back for a packet: an encapsulated packet's inner message comes back as bytes. */
function asDecoded(packet: MqttSnPacket): MqttSnPacket {
  if (packet.type !== 'ENCAPSULATED' || Buffer.isBuffer(packet.inner)) return packet;
  return { ...packet, inner: encode(packet.inner) };
}

const KINDS: ReadonlySet<DecodeErrorKind> = new Set([
  'truncated',
  'length-mismatch',
  'invalid-length',
  'wrong-size',
  'reserved-type',
  'invalid-field',
  'invalid-utf8',
]);

/** decode must return, not throw, and an error must be typed and explained. */
function decodeSafely(buf: Buffer): DecodeResult {
  let result: DecodeResult | undefined;
  expect(() => {
    result = decode(buf);
  }).not.toThrow();
  if (result === undefined) throw new Error('decode returned nothing');
  if (!result.ok) {
    expect(KINDS.has(result.error.kind)).toBe(true);
    expect(typeof result.error.message).toBe('string');
    expect(result.error.message.length).toBeGreaterThan(0);
  }
  return result;
}

/** A decoded packet re-encodes to something that decodes to the same packet (lenient input normalises). */
function expectStable(result: DecodeResult): void {
  if (!result.ok) return;
  expect(decode(encode(result.packet))).toEqual(result);
}

const VALID_TYPES = Object.values(MsgType);

describe('round trip (fast-check)', () => {
  it('any packet → encode → decode gives the packet back', () => {
    fc.assert(
      fc.property(anyPacket, (packet) => {
        const buf = encode(packet);
        expect(buf.length).toBe(encodedLength(packet));
        expect(decode(buf)).toEqual({ ok: true, packet: asDecoded(packet) });
      }),
      { numRuns: 2000 },
    );
  });

  it('§5.2.1 the 1-octet Length form is used exactly when the total fits in 255 octets', () => {
    fc.assert(
      fc.property(plainPacket, (packet) => {
        const buf = encode(packet);
        if (buf.length <= 255) expect(buf[0]).toBe(buf.length);
        else expect([buf[0], buf.readUInt16BE(1)]).toEqual([0x01, buf.length]);
      }),
      { numRuns: 1000 },
    );
  });

  it('§5.2.1 the same message sent with the 3-octet Length decodes to the same packet', () => {
    fc.assert(
      fc.property(plainPacket, (packet) => {
        const short = encode(packet);
        fc.pre(short.length <= 255);
        const long = Buffer.alloc(short.length + 2);
        long[0] = 0x01;
        long.writeUInt16BE(short.length + 2, 1);
        short.copy(long, 3, 1);
        expect(decode(long)).toEqual({ ok: true, packet });
      }),
      { numRuns: 1000 },
    );
  });

  it('§5.5 the inner message of a decoded encapsulation decodes to the encapsulated packet', () => {
    fc.assert(
      fc.property(plainPacket, fc.uint8Array({ maxLength: 8 }), (inner, nodeId) => {
        const wirelessNodeId = Buffer.from(nodeId);
        const outer = decode(encode({ type: 'ENCAPSULATED', radius: 0, wirelessNodeId, inner }));
        if (!outer.ok || outer.packet.type !== 'ENCAPSULATED' || !Buffer.isBuffer(outer.packet.inner)) {
          throw new Error('expected an encapsulated packet');
        }
        expect(outer.packet.wirelessNodeId).toEqual(wirelessNodeId);
        expect(decode(outer.packet.inner)).toEqual({ ok: true, packet: inner });
      }),
      { numRuns: 500 },
    );
  });
});

describe('fuzz: decode never throws (fast-check)', () => {
  it('any random datagram', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expectStable(decodeSafely(Buffer.from(bytes)));
      }),
      { numRuns: 3000 },
    );
  });

  it('random bodies behind a consistent header of every message type (reaches each decoder)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID_TYPES), fc.uint8Array({ maxLength: 40 }), (type, body) => {
        const buf = Buffer.concat([Buffer.from([body.length + 2, type]), body]);
        expectStable(decodeSafely(buf));
      }),
      { numRuns: 5000 },
    );
  });

  it('every truncation of a valid message', () => {
    fc.assert(
      fc.property(anyPacket, (packet) => {
        const buf = encode(packet);
        for (let cut = 0; cut < buf.length; cut += 1) {
          const result = decodeSafely(buf.subarray(0, cut));
          // A prefix of a message is never a message: its Length (or the inner one, §5.5) says so.
          expect(result.ok).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a valid message with octets changed, inserted, removed or appended', () => {
    const mutation = fc.record({
      at: fc.nat(),
      op: fc.constantFrom('set', 'insert', 'remove', 'append'),
      value: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(anyPacket, fc.array(mutation, { minLength: 1, maxLength: 4 }), (packet, mutations) => {
        const bytes = [...encode(packet)];
        for (const { at, op, value } of mutations) {
          const i = bytes.length === 0 ? 0 : at % bytes.length;
          if (op === 'set') bytes[i] = value;
          else if (op === 'insert') bytes.splice(i, 0, value);
          else if (op === 'remove') bytes.splice(i, 1);
          else bytes.push(value);
        }
        expectStable(decodeSafely(Buffer.from(bytes)));
      }),
      { numRuns: 3000 },
    );
  });
});
