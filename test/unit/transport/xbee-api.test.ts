import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeXbeeFrame,
  type XbeeApiMode,
  XbeeFrameDecoder,
  xbeeChecksum,
} from '../../../src/transport/serial/framing/xbee-api.js';
import {
  BROADCAST_64,
  buildReceivePacket,
  buildTransmitRequest,
  buildTransmitStatus,
  parseXbeeApiFrame,
  XbeeFrameError,
} from '../../../src/transport/serial/framing/xbee-frames.js';
import { everySplitPoint, feedByteByByte, feedSplit } from './split.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/**
 * Built by hand: a 0x90 Receive Packet from radio 0013A200 40A1B2C3, 16-bit address 0x7D33,
 * options 0x01 (acknowledged), carrying an MQTT-SN PINGREQ (02 16). Sum of the frame data = 0x464,
 * low octet 0x64, checksum 0xFF − 0x64 = 0x9B.
 */
const RX_DATA = hex('90 0013A20040A1B2C3 7D33 01 0216');
const RX_MODE1 = hex('7E 000E 90 0013A20040A1B2C3 7D33 01 0216 9B');
/** Mode 2: 0x13 → 7D 33 and 0x7D → 7D 5D; the other octets go as they are. */
const RX_MODE2 = hex('7E 000E 90 007D33A20040A1B2C3 7D5D33 01 0216 9B');

/** Digi's documented Transmit Request example: to 0013A200400A0127, RF data "TxData0A", checksum 0x13. */
const TX_DIGI_DATA = hex('10 01 0013A200400A0127 FFFE 00 00 5478446174613041');
const TX_DIGI_MODE1 = hex('7E 0016 10 01 0013A200400A0127 FFFE 00 00 5478446174613041 13');
const TX_DIGI_MODE2 = hex('7E 0016 10 01 007D33A200400A0127 FFFE 00 00 5478446174613041 7D33');

describe('XBee API framing: golden frames', () => {
  it('computes the checksum as 0xFF minus the low octet of the sum', () => {
    expect(xbeeChecksum(RX_DATA)).toBe(0x9b);
    expect(xbeeChecksum(TX_DIGI_DATA)).toBe(0x13);
  });

  it('encodes mode 1 without escaping and mode 2 with escaping (checksum escaped too)', () => {
    expect(encodeXbeeFrame(RX_DATA, 1)).toEqual(RX_MODE1);
    expect(encodeXbeeFrame(RX_DATA, 2)).toEqual(RX_MODE2);
    expect(encodeXbeeFrame(TX_DIGI_DATA, 1)).toEqual(TX_DIGI_MODE1);
    expect(encodeXbeeFrame(TX_DIGI_DATA, 2)).toEqual(TX_DIGI_MODE2);
  });

  it('escapes the length octets in mode 2 (length 0x11 → 7D 31)', () => {
    const data = Buffer.alloc(0x11, 0x01);
    const frame = encodeXbeeFrame(data, 2);
    expect(frame.subarray(0, 4)).toEqual(hex('7E 00 7D 31'));
    expect(new XbeeFrameDecoder({ mode: 2 }).push(frame)).toEqual([data]);
  });

  it('decodes the golden frames in both modes', () => {
    expect(new XbeeFrameDecoder({ mode: 1 }).push(RX_MODE1)).toEqual([RX_DATA]);
    expect(new XbeeFrameDecoder({ mode: 2 }).push(RX_MODE2)).toEqual([RX_DATA]);
    expect(new XbeeFrameDecoder({ mode: 2 }).push(TX_DIGI_MODE2)).toEqual([TX_DIGI_DATA]);
  });

  it('parses a Receive Packet 0x90: src64, src16, options, RF data', () => {
    const frame = parseXbeeApiFrame(RX_DATA);
    expect(frame).toEqual({
      type: 'receive',
      src64: hex('0013A20040A1B2C3'),
      src16: 0x7d33,
      options: 0x01,
      data: hex('0216'),
    });
  });

  it('reads a 0x91 Explicit Rx Indicator (radios with AO=1) like a Receive Packet', () => {
    const explicit = hex('91 0013A20040A1B2C3 7D33 E8 E8 0011 C105 01 0216');
    expect(parseXbeeApiFrame(explicit)).toEqual({
      type: 'receive',
      src64: hex('0013A20040A1B2C3'),
      src16: 0x7d33,
      options: 0x01,
      data: hex('0216'),
    });
    expect(parseXbeeApiFrame(hex('91 0013A20040A1B2C3 7D33 E8 E8'))).toBeInstanceOf(XbeeFrameError);
  });

  it('builds a Transmit Request 0x10 byte for byte like Digi’s example', () => {
    const request = buildTransmitRequest({
      frameId: 1,
      dest64: hex('0013A200400A0127'),
      dest16: 0xfffe,
      data: Buffer.from('TxData0A'),
    });
    expect(request).toEqual(TX_DIGI_DATA);
  });

  it('builds a broadcast Transmit Request: dest64 000000000000FFFF, dest16 FFFE', () => {
    const request = buildTransmitRequest({
      frameId: 0,
      dest64: BROADCAST_64,
      dest16: 0xfffe,
      data: hex('0300ff'),
    });
    expect(request.subarray(2, 12)).toEqual(hex('000000000000FFFF FFFE'));
  });

  it('parses Transmit Status 0x8B and Modem Status 0x8A', () => {
    expect(parseXbeeApiFrame(hex('8B 07 7D33 02 21 00'))).toEqual({
      type: 'transmit-status',
      frameId: 7,
      dest16: 0x7d33,
      retries: 2,
      deliveryStatus: 0x21,
      discoveryStatus: 0,
    });
    expect(parseXbeeApiFrame(buildTransmitStatus(9, 0))).toMatchObject({ frameId: 9, deliveryStatus: 0 });
    expect(parseXbeeApiFrame(hex('8A 02'))).toEqual({ type: 'modem-status', status: 2 });
    expect(parseXbeeApiFrame(hex('88 01 4944 00'))).toEqual({ type: 'other', apiId: 0x88 });
  });

  it('returns a typed error for truncated API frames', () => {
    expect(parseXbeeApiFrame(hex('90 0013A200'))).toBeInstanceOf(XbeeFrameError);
    expect(parseXbeeApiFrame(hex('8B 01 FFFE'))).toBeInstanceOf(XbeeFrameError);
    expect(parseXbeeApiFrame(hex('8A'))).toBeInstanceOf(XbeeFrameError);
    expect(parseXbeeApiFrame(Buffer.alloc(0))).toBeInstanceOf(XbeeFrameError);
  });

  it('round-trips buildReceivePacket through parse', () => {
    const src64 = hex('0013A20040000001');
    const built = buildReceivePacket(src64, 0x1234, hex('0216'));
    expect(parseXbeeApiFrame(built)).toEqual({
      type: 'receive',
      src64,
      src16: 0x1234,
      options: 1,
      data: hex('0216'),
    });
  });
});

/** Frame data chosen so that mode 2 must escape inside length, data and checksum. */
const STREAM_FRAMES = [
  RX_DATA,
  TX_DIGI_DATA,
  hex('8B 01 FFFE 00 00 00'),
  Buffer.alloc(0x11, 0x7e),
  buildReceivePacket(hex('0013A2004011137D'), 0x7e7e, Buffer.from([0x02, 0x16])),
  hex('8A 00'),
];

for (const mode of [1, 2] as XbeeApiMode[]) {
  describe(`XBee API mode ${mode}: every split point`, () => {
    const stream = Buffer.concat(STREAM_FRAMES.map((f) => encodeXbeeFrame(f, mode)));

    it('decodes a stream of several frames split in two at every byte boundary', () => {
      for (const cuts of everySplitPoint(stream.length)) {
        expect(feedSplit(new XbeeFrameDecoder({ mode }), stream, cuts), `cut at ${cuts[0]}`).toEqual(
          STREAM_FRAMES,
        );
      }
    });

    it('decodes the stream split in three at every pair of boundaries', () => {
      const small = Buffer.concat(STREAM_FRAMES.slice(0, 3).map((f) => encodeXbeeFrame(f, mode)));
      for (let a = 0; a <= small.length; a++) {
        for (let b = a; b <= small.length; b++) {
          expect(feedSplit(new XbeeFrameDecoder({ mode }), small, [a, b])).toEqual(STREAM_FRAMES.slice(0, 3));
        }
      }
    });

    it('decodes the stream byte by byte', () => {
      const decoder = new XbeeFrameDecoder({ mode });
      expect(feedByteByByte(decoder, stream)).toEqual(STREAM_FRAMES);
      expect(decoder.counters).toMatchObject({
        frames: STREAM_FRAMES.length,
        droppedBytes: 0,
        badChecksums: 0,
      });
    });

    it('decodes random frames at random split points (fast-check)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.uint8Array({ minLength: 1, maxLength: 120 }), { minLength: 1, maxLength: 6 }),
          fc.array(fc.nat()),
          (frames, rawCuts) => {
            const bytes = Buffer.concat(frames.map((f) => encodeXbeeFrame(f, mode)));
            const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
            expect(feedSplit(new XbeeFrameDecoder({ mode }), bytes, cuts)).toEqual(
              frames.map((f) => Buffer.from(f)),
            );
          },
        ),
      );
    });

    it('drops a frame with a bad checksum, counts it, and reads the next one', () => {
      const bad = encodeXbeeFrame(RX_DATA, mode);
      bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0x01, bad.length - 1);
      const good = encodeXbeeFrame(TX_DIGI_DATA, mode);
      for (const cuts of everySplitPoint(bad.length + good.length)) {
        const decoder = new XbeeFrameDecoder({ mode });
        expect(feedSplit(decoder, Buffer.concat([bad, good]), cuts)).toEqual([TX_DIGI_DATA]);
        expect(decoder.counters.badChecksums).toBe(1);
      }
    });

    it('drops frames with length 0 or above the limit and counts them', () => {
      const decoder = new XbeeFrameDecoder({ mode, maxFrameData: 64 });
      const zero = hex('7E 0000 FF');
      const huge = hex('7E 0400');
      const out = decoder.push(Buffer.concat([zero, huge, encodeXbeeFrame(hex('8A 00'), mode)]));
      expect(out).toEqual([hex('8A 00')]);
      expect(decoder.counters.badLengths).toBe(2);
    });

    it('skips garbage before a frame', () => {
      const garbage = hex('00 FF 12 34 7D 5E 01');
      const frame = encodeXbeeFrame(RX_DATA, mode);
      for (const cuts of everySplitPoint(garbage.length + frame.length)) {
        const decoder = new XbeeFrameDecoder({ mode });
        expect(feedSplit(decoder, Buffer.concat([garbage, frame]), cuts)).toEqual([RX_DATA]);
        expect(decoder.counters.droppedBytes).toBeGreaterThan(0);
      }
    });

    it('recovers the next frame after a lost octet', () => {
      const first = encodeXbeeFrame(RX_DATA, mode);
      const broken = Buffer.concat([first.subarray(0, 6), first.subarray(7)]);
      const next = encodeXbeeFrame(TX_DIGI_DATA, mode);
      const third = encodeXbeeFrame(hex('8A 00'), mode);
      const decoder = new XbeeFrameDecoder({ mode });
      const out = decoder.push(Buffer.concat([broken, next, third]));
      expect(out).toEqual([TX_DIGI_DATA, hex('8A 00')]);
    });

    it('never throws and never buffers more than the limit on random bytes (fast-check)', () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
          const decoder = new XbeeFrameDecoder({ mode, maxFrameData: 100 });
          for (const chunk of chunks) {
            decoder.push(chunk);
            expect(decoder.pending).toBeLessThanOrEqual(104);
          }
        }),
      );
    });
  });
}

describe('XBee API mode 2 specifics', () => {
  it('an unescaped 0x7E cuts a half-read frame short and starts a new one', () => {
    const decoder = new XbeeFrameDecoder({ mode: 2 });
    const half = encodeXbeeFrame(RX_DATA, 2).subarray(0, 8);
    expect(decoder.push(Buffer.concat([half, encodeXbeeFrame(TX_DIGI_DATA, 2)]))).toEqual([TX_DIGI_DATA]);
    expect(decoder.counters.truncated).toBe(1);
    // Counted unescaped: the 8 line octets hold one escape pair (7D 33 = 0x13).
    expect(decoder.counters.droppedBytes).toBe(7);
  });

  it('ignores unescaped XON/XOFF (software flow control) inside a frame', () => {
    const frame = encodeXbeeFrame(RX_DATA, 2);
    const withFlow = Buffer.concat([frame.subarray(0, 5), hex('11 13'), frame.subarray(5)]);
    const decoder = new XbeeFrameDecoder({ mode: 2 });
    expect(decoder.push(withFlow)).toEqual([RX_DATA]);
    expect(decoder.counters.flowControl).toBe(2);
  });

  it('mode 1 reads 0x7E inside frame data as data', () => {
    const data = hex('90 0013A2004011137E 7E7E 01 02167E');
    expect(new XbeeFrameDecoder({ mode: 1 }).push(encodeXbeeFrame(data, 1))).toEqual([data]);
  });

  it('reset() forgets a half-read frame', () => {
    const decoder = new XbeeFrameDecoder({ mode: 1 });
    decoder.push(RX_MODE1.subarray(0, 9));
    decoder.reset();
    expect(decoder.push(TX_DIGI_MODE1)).toEqual([TX_DIGI_DATA]);
  });
});
