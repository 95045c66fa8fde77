import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeRawPacket,
  probeRawPacket,
  RawDecoder,
  RawFramingError,
} from '../../../src/transport/serial/framing/raw.js';
import { everySplitPoint, feedByteByByte, feedSplit } from './split.js';

// Golden packets, MQTT-SN §5.4 (1-octet Length unless said otherwise).
const PINGREQ = Buffer.from([0x02, 0x16]);
/** PUBLISH QoS 0, topic id 0x0001, msg id 0, payload "hi" (§5.4.12). */
const PUBLISH = Buffer.from([0x09, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x00, 0x68, 0x69]);
/** CONNECT clean session, protocol id 1, duration 60, client id "s1" (§5.4.4). */
const CONNECT = Buffer.from([0x08, 0x04, 0x04, 0x01, 0x00, 0x3c, 0x73, 0x31]);
/** DISCONNECT with a sleep duration (§5.4.21). */
const DISCONNECT_SLEEP = Buffer.from([0x04, 0x18, 0x00, 0x1e]);

/** A PUBLISH in the 3-octet Length form (§5.2.1): 0x01, length MSB, LSB. */
function longPublish(payloadLength: number): Buffer {
  const total = 3 + 6 + payloadLength;
  const packet = Buffer.alloc(total, 0x41);
  packet[0] = 0x01;
  packet.writeUInt16BE(total, 1);
  packet[3] = 0x0c;
  packet[4] = 0x00; // flags
  packet.writeUInt16BE(0x0002, 5); // topic id
  packet.writeUInt16BE(0x0000, 7); // msg id
  return packet;
}

/** Forwarder encapsulation (§5.5): Length 5, 0xFE, Ctrl 0, node id 0xAB 0xCD, then the message. */
function encapsulated(inner: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x05, 0xfe, 0x00, 0xab, 0xcd]), inner]);
}

const LONG = longPublish(300);
const WRAPPED = encapsulated(PUBLISH);
const STREAM_PACKETS = [PINGREQ, PUBLISH, LONG, CONNECT, WRAPPED, DISCONNECT_SLEEP];
const STREAM = Buffer.concat(STREAM_PACKETS);

describe('raw MQTT-SN framing: golden packets', () => {
  it('reads the 1-octet Length form', () => {
    expect(new RawDecoder().push(PUBLISH)).toEqual([PUBLISH]);
  });

  it('reads the 3-octet Length form (0x01 + 2 octets, §5.2.1), also for short packets', () => {
    const shortLong = Buffer.from([0x01, 0x00, 0x04, 0x16]); // PINGREQ in the 3-octet form
    expect(new RawDecoder().push(Buffer.concat([LONG, shortLong]))).toEqual([LONG, shortLong]);
  });

  it('keeps a forwarder encapsulation and the message it carries together (§5.5)', () => {
    const probe = probeRawPacket(WRAPPED, WRAPPED.length, 1024);
    expect(probe).toEqual({ kind: 'length', total: 5 + PUBLISH.length });
    expect(new RawDecoder().push(WRAPPED)).toEqual([WRAPPED]);
  });

  it('returns copies that do not alias the input chunk', () => {
    const chunk = Buffer.from(PINGREQ);
    const [packet] = new RawDecoder().push(chunk);
    chunk[1] = 0xff;
    expect(packet).toEqual(PINGREQ);
  });
});

describe('raw MQTT-SN framing: every split point', () => {
  it('decodes a stream of several packets split in two at every byte boundary', () => {
    for (const cuts of everySplitPoint(STREAM.length)) {
      expect(feedSplit(new RawDecoder(), STREAM, cuts), `cut at ${cuts[0]}`).toEqual(STREAM_PACKETS);
    }
  });

  it('decodes the stream split in three at every pair of boundaries', () => {
    const small = Buffer.concat([PINGREQ, PUBLISH, WRAPPED, DISCONNECT_SLEEP]);
    const expected = [PINGREQ, PUBLISH, WRAPPED, DISCONNECT_SLEEP];
    for (let a = 0; a <= small.length; a++) {
      for (let b = a; b <= small.length; b++) {
        expect(feedSplit(new RawDecoder(), small, [a, b]), `cuts ${a},${b}`).toEqual(expected);
      }
    }
  });

  it('decodes the stream byte by byte', () => {
    const decoder = new RawDecoder();
    expect(feedByteByByte(decoder, STREAM)).toEqual(STREAM_PACKETS);
    expect(decoder.counters).toMatchObject({ packets: STREAM_PACKETS.length, droppedBytes: 0 });
  });

  it('decodes any random split of any sequence of valid packets (fast-check)', () => {
    const packetArb = fc
      .record({
        type: fc.constantFrom(0x04, 0x0a, 0x0c, 0x0d, 0x12, 0x16, 0x18),
        body: fc.uint8Array({ minLength: 5, maxLength: 400 }),
        longForm: fc.boolean(),
      })
      .map(({ type, body, longForm }) => {
        const form = longForm || body.length + 2 > 255 ? 3 : 1;
        const total = form + 1 + body.length;
        const header = form === 3 ? [0x01, total >> 8, total & 0xff, type] : [total, type];
        return Buffer.concat([Buffer.from(header), body]);
      });
    fc.assert(
      fc.property(
        fc.array(packetArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat()),
        (packets, rawCuts) => {
          const stream = Buffer.concat(packets);
          const cuts = [...new Set(rawCuts.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y);
          expect(feedSplit(new RawDecoder(), stream, cuts)).toEqual(packets);
        },
      ),
    );
  });
});

describe('raw MQTT-SN framing: resynchronisation', () => {
  it('drops and counts a Length of 0', () => {
    const decoder = new RawDecoder();
    expect(decoder.push(Buffer.from([0x00, 0x00, ...PINGREQ]))).toEqual([PINGREQ]);
    expect(decoder.counters.zeroLengths).toBe(2);
    expect(decoder.counters.droppedBytes).toBe(2);
  });

  it('skips garbage before a packet (reserved types, impossible lengths)', () => {
    // Each octet, read as a Length, meets a reserved MsgType, a length too short for its type, or a
    // 0x00; the 0x01 opens a 3-octet Length of 2, shorter than its own header.
    const garbage = Buffer.from([
      0x01, 0x00, 0x02, 0x11, 0xff, 0x03, 0x11, 0x19, 0x1e, 0xfd, 0x03, 0x00, 0x00, 0x02, 0x02, 0x00,
    ]);
    for (const cuts of everySplitPoint(garbage.length + PUBLISH.length)) {
      const decoder = new RawDecoder();
      expect(feedSplit(decoder, Buffer.concat([garbage, PUBLISH, PINGREQ]), cuts)).toEqual([
        PUBLISH,
        PINGREQ,
      ]);
      expect(decoder.counters.droppedBytes).toBe(garbage.length);
    }
  });

  it('rejects a length larger than maxPacket and resynchronises on the next packet', () => {
    const decoder = new RawDecoder({ maxPacket: 64, interByteTimeoutMs: 100 });
    const oversized = longPublish(100);
    expect(decoder.push(oversized.subarray(0, 4), 0)).toEqual([]);
    expect(decoder.counters.badHeaders).toBeGreaterThan(0);
    expect(decoder.pending).toBeLessThan(4);
    expect(decoder.push(PINGREQ, 1000)).toEqual([PINGREQ]);
  });

  it('a lost byte followed by a pause: the gap discards the broken packet, the next one is read', () => {
    const decoder = new RawDecoder({ interByteTimeoutMs: 100 });
    const broken = Buffer.concat([PUBLISH.subarray(0, 4), PUBLISH.subarray(5)]); // one octet lost
    expect(decoder.push(broken, 1000)).toEqual([]);
    expect(decoder.pending).toBe(broken.length);
    expect(decoder.push(PUBLISH, 1500)).toEqual([PUBLISH]);
    expect(decoder.counters.gapResets).toBe(1);
    expect(decoder.counters.droppedBytes).toBe(broken.length);
  });

  it('does not reset on gaps between whole packets or within the timeout', () => {
    const decoder = new RawDecoder({ interByteTimeoutMs: 100 });
    expect(decoder.push(PUBLISH.subarray(0, 3), 0)).toEqual([]);
    expect(decoder.push(PUBLISH.subarray(3), 50)).toEqual([PUBLISH]);
    expect(decoder.push(PINGREQ, 10_000)).toEqual([PINGREQ]);
    expect(decoder.counters.gapResets).toBe(0);
  });

  it('never throws and never buffers more than maxPacket on random bytes (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const decoder = new RawDecoder({ maxPacket: 128 });
        for (const chunk of chunks) {
          for (const packet of decoder.push(chunk)) expect(packet.length).toBeLessThanOrEqual(128);
          expect(decoder.pending).toBeLessThanOrEqual(128);
        }
      }),
    );
  });

  it('reset() forgets a half-read packet', () => {
    const decoder = new RawDecoder();
    decoder.push(PUBLISH.subarray(0, 5));
    decoder.reset();
    expect(decoder.push(PINGREQ)).toEqual([PINGREQ]);
    expect(decoder.counters.droppedBytes).toBe(5);
  });
});

describe('raw MQTT-SN framing: encoder', () => {
  it('passes a packet whose Length matches its size', () => {
    expect(encodeRawPacket(PUBLISH)).toBe(PUBLISH);
    expect(encodeRawPacket(LONG)).toBe(LONG);
    expect(encodeRawPacket(WRAPPED)).toBe(WRAPPED);
  });

  it('refuses a packet whose Length disagrees with its size, with a typed error', () => {
    const truncated = PUBLISH.subarray(0, 6);
    const error = encodeRawPacket(truncated);
    expect(error).toBeInstanceOf(RawFramingError);
    expect((error as RawFramingError).message).toMatch(/Length field says 9 octets but the packet has 6/);
    expect(encodeRawPacket(Buffer.from([0x00, 0x16]))).toBeInstanceOf(RawFramingError);
    expect(encodeRawPacket(Buffer.alloc(0))).toBeInstanceOf(RawFramingError);
  });
});
