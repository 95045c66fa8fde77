/**
 * XBee API lines over a real pseudo-terminal pair (socat): the transport on one end, a simulated
 * local radio on the other that hands up 0x90 Receive Packets from remote radios and takes 0x10
 * Transmit Requests, answering with 0x8B Transmit Status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observe/logger.js';
import {
  encodeXbeeFrame,
  type XbeeApiMode,
  XbeeFrameDecoder,
} from '../../src/transport/serial/framing/xbee-api.js';
import {
  buildReceivePacket,
  buildTransmitStatus,
  parseXbeeApiFrame,
  type XbeeApiFrame,
} from '../../src/transport/serial/framing/xbee-frames.js';
import {
  createSerialTransport,
  type SerialTransportOptions,
} from '../../src/transport/serial/serial-transport.js';
import { createSocatPair, DatagramSink, type FarEnd, openFarEnd } from '../helpers/socat.js';

const FAST_BACKOFF = { initialMs: 50, maxMs: 200 };
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** Two remote radios; the second's addresses contain octets that mode 2 must escape. */
const RADIO_A = { src64: hex('0013A20040A1B2C3'), src16: 0x1234 };
const RADIO_B = { src64: hex('0013A200407D1113'), src16: 0x7e7d };
const PINGREQ = Buffer.from([0x02, 0x16]);
const PINGRESP = Buffer.from([0x02, 0x17]);
const PUBLISH = Buffer.from([0x0b, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x00, 0x32, 0x31, 0x2e, 0x35]);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** The local radio's side: frames from the gateway decoded as they arrive. */
class SimulatedRadio {
  private readonly decoder: XbeeFrameDecoder;
  private consumed = 0;
  readonly frames: XbeeApiFrame[] = [];

  constructor(
    readonly far: FarEnd,
    readonly mode: XbeeApiMode,
  ) {
    this.decoder = new XbeeFrameDecoder({ mode });
  }

  receive(radio: { src64: Buffer; src16: number }, data: Buffer): Promise<void> {
    return this.far.write(encodeXbeeFrame(buildReceivePacket(radio.src64, radio.src16, data), this.mode));
  }

  /** Waits until `count` frames in all came from the gateway. */
  async waitForFrames(count: number): Promise<XbeeApiFrame[]> {
    await this.far.waitFor(() => {
      const fresh = this.far.received.subarray(this.consumed);
      this.consumed = this.far.received.length;
      for (const data of this.decoder.push(fresh)) {
        const frame = parseXbeeApiFrame(data);
        if (!(frame instanceof Error)) this.frames.push(frame);
      }
      return this.frames.length >= count;
    }, `${count} frames from the gateway`);
    return this.frames;
  }

  /** The raw Transmit Request frame data n (to check addresses byte for byte). */
  rawTransmitRequests(): Buffer[] {
    return new XbeeFrameDecoder({ mode: this.mode }).push(this.far.received);
  }
}

async function setup(mode: XbeeApiMode, extra: Partial<SerialTransportOptions> = {}) {
  const pair = await createSocatPair();
  cleanups.push(() => pair.dispose());
  const lines: string[] = [];
  const transport = createSerialTransport(
    {
      path: pair.a,
      baudRate: 115200,
      framing: mode === 1 ? 'xbee-api1' : 'xbee-api2',
      backoff: FAST_BACKOFF,
      ...extra,
    },
    createLogger('debug', (line) => lines.push(line)),
  );
  const sink = new DatagramSink();
  await transport.start(sink);
  cleanups.push(() => transport.close());
  const far = await openFarEnd(pair.b);
  cleanups.push(() => far.close());
  return { pair, transport, sink, radio: new SimulatedRadio(far, mode), lines };
}

for (const mode of [1, 2] as XbeeApiMode[]) {
  describe(`serial transport, XBee API mode ${mode}, over a socat pty pair`, () => {
    it('one peer per remote radio, keyed by its 64-bit address', async () => {
      const { transport, sink, radio, pair } = await setup(mode);
      expect(transport.mtu).toBe(60);
      await radio.receive(RADIO_A, PINGREQ);
      await radio.receive(RADIO_B, PUBLISH);
      await radio.receive(RADIO_A, PUBLISH);
      const got = await sink.waitForCount(3);
      expect(got.map((d) => d.data)).toEqual([PINGREQ, PUBLISH, PUBLISH]);
      expect(got[0]!.from.key).toBe(`xbee:${pair.a}:0013a20040a1b2c3`);
      expect(got[1]!.from.key).toBe(`xbee:${pair.a}:0013a200407d1113`);
      expect(got[2]!.from).toBe(got[0]!.from);
    });

    it('replies with Transmit Requests to the sender’s addresses, frame ids counting up', async () => {
      const { transport, sink, radio } = await setup(mode);
      await radio.receive(RADIO_B, PINGREQ);
      const [first] = await sink.waitForCount(1);
      transport.send(PINGRESP, first!.from);
      transport.send(PUBLISH, first!.from);
      await radio.waitForFrames(2);
      const [one, two] = radio.rawTransmitRequests();
      // 0x10 | frame id | dest64 | dest16 | radius 0 | options 0 | RF data
      expect(one).toEqual(Buffer.concat([hex('10 01 0013A200407D1113 7E7D 00 00'), PINGRESP]));
      expect(two).toEqual(Buffer.concat([hex('10 02 0013A200407D1113 7E7D 00 00'), PUBLISH]));
    });

    it('a radio that rejoins with a new 16-bit address stays one peer, answered at the new address', async () => {
      const { transport, sink, radio } = await setup(mode);
      await radio.receive(RADIO_A, PINGREQ);
      await radio.receive({ ...RADIO_A, src16: 0x4321 }, PINGREQ);
      const [before, after] = await sink.waitForCount(2);
      expect(after!.from).toBe(before!.from);
      transport.send(PINGRESP, before!.from);
      await radio.waitForFrames(1);
      expect(radio.rawTransmitRequests()[0]).toEqual(
        Buffer.concat([hex('10 01 0013A20040A1B2C3 4321 00 00'), PINGRESP]),
      );
    });

    it('broadcasts to 000000000000FFFF / FFFE without asking for a status', async () => {
      const { transport, radio } = await setup(mode);
      const gwinfo = Buffer.from([0x03, 0x02, 0x01]);
      transport.broadcast(gwinfo);
      await radio.waitForFrames(1);
      expect(radio.rawTransmitRequests()[0]).toEqual(
        Buffer.concat([hex('10 00 000000000000FFFF FFFE 00 00'), gwinfo]),
      );
    });

    it('a failed Transmit Status reports deliveryFailed for the client the frame was for', async () => {
      const { transport, sink, radio, lines } = await setup(mode);
      await radio.receive(RADIO_A, PINGREQ);
      await radio.receive(RADIO_B, PINGREQ);
      const [fromA, fromB] = await sink.waitForCount(2);
      transport.send(PINGRESP, fromA!.from); // frame id 1
      transport.send(PINGRESP, fromB!.from); // frame id 2
      await radio.waitForFrames(2);
      await radio.far.write(encodeXbeeFrame(buildTransmitStatus(1, 0x00), mode)); // delivered
      await radio.far.write(encodeXbeeFrame(buildTransmitStatus(2, 0x21), mode)); // network ACK failure
      await sink.waitUntil(() => sink.failures.length >= 1, 'a delivery failure');
      await radio.far.write(encodeXbeeFrame(hex('8A 06'), mode)); // modem status: coordinator started
      await sink.waitUntil(() => transport.counters.modemStatus === 1, 'the modem status');
      expect(sink.failures).toEqual([fromB!.from]);
      expect(transport.counters.deliveryFailures).toBe(1);
      expect(lines.some((l) => l.includes(`delivery to ${fromB!.from.key} failed (status 0x21`))).toBe(true);
    });

    it('does not send messages over the radio payload limit, and logs them', async () => {
      const { transport, sink, radio, lines } = await setup(mode);
      await radio.receive(RADIO_A, PINGREQ);
      const [first] = await sink.waitForCount(1);
      const big = Buffer.alloc(61, 0x41);
      big[0] = 61;
      big[1] = 0x0c;
      transport.send(big, first!.from);
      expect(transport.counters.oversize).toBe(1);
      expect(lines.some((l) => l.includes('61 octets') && l.includes(first!.from.key))).toBe(true);
      transport.send(PINGRESP, first!.from);
      await radio.waitForFrames(1);
      expect(radio.frames).toHaveLength(1);
      expect(radio.frames[0]).toMatchObject({ type: 'other', apiId: 0x10 });
    });

    it('drops a frame with a bad checksum, counts it, and delivers the next', async () => {
      const { transport, sink, radio } = await setup(mode);
      const bad = encodeXbeeFrame(buildReceivePacket(RADIO_A.src64, RADIO_A.src16, PUBLISH), mode);
      bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
      await radio.far.write(bad);
      await radio.receive(RADIO_A, PINGREQ);
      const [only] = await sink.waitForCount(1);
      expect(only!.data).toEqual(PINGREQ);
      expect(transport.counters.badChecksums).toBe(1);
    });
  });
}

describe('XBee API line: payload limit and a vanishing radio', () => {
  it('a configured limit (84 octets) lets larger messages through', async () => {
    const { transport, sink, radio } = await setup(2, { maxPayload: 84 });
    expect(transport.mtu).toBe(84);
    await radio.receive(RADIO_A, PINGREQ);
    const [first] = await sink.waitForCount(1);
    const message = Buffer.alloc(84, 0x41);
    message[0] = 84;
    message[1] = 0x0c;
    transport.send(message, first!.from);
    await radio.waitForFrames(1);
    expect(radio.rawTransmitRequests()[0]!.subarray(14)).toEqual(message);
    expect(transport.counters.oversize).toBe(0);
  });

  it('survives the radio vanishing mid-run; the same client key works after it returns', async () => {
    const { transport, sink, radio, pair, lines } = await setup(2);
    await radio.receive(RADIO_A, PINGREQ);
    const [before] = await sink.waitForCount(1);
    await radio.far.close();
    await pair.stop();
    await sink.waitUntil(() => lines.some((l) => l.includes('device lost')), 'log of the lost radio');
    transport.send(PINGRESP, before!.from);
    expect(transport.counters.droppedWhileClosed).toBe(1);

    await pair.restart();
    await sink.waitUntil(() => transport.isOpen, 'reopen', 5000);
    const far = await openFarEnd(pair.b);
    cleanups.push(() => far.close());
    const again = new SimulatedRadio(far, 2);
    await again.receive(RADIO_A, PUBLISH);
    const got = await sink.waitForCount(2);
    expect(got[1]!.from.key).toBe(before!.from.key);
    transport.send(PINGRESP, got[1]!.from);
    await again.waitForFrames(1);
    expect(again.rawTransmitRequests()[0]!.subarray(14)).toEqual(PINGRESP);
  });
});
