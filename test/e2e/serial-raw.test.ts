/**
 * Raw MQTT-SN over a real pseudo-terminal pair (socat): the transport on one end, a simulated
 * device (mqtt-sn-tools style: packets written as they are) on the other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observe/logger.js';
import {
  createSerialTransport,
  SerialConfigError,
  type SerialTransportOptions,
} from '../../src/transport/serial/serial-transport.js';
import { createSocatPair, DatagramSink, type FarEnd, openFarEnd, type SocatPair } from '../helpers/socat.js';

const FAST_BACKOFF = { initialMs: 50, maxMs: 200 };
const PINGREQ = Buffer.from([0x02, 0x16]);
const PINGRESP = Buffer.from([0x02, 0x17]);
/** PUBLISH QoS 0, topic id 1, payload "21.5" (MQTT-SN §5.4.12). */
const PUBLISH = Buffer.from([0x0b, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x00, 0x32, 0x31, 0x2e, 0x35]);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(extra: Partial<SerialTransportOptions> = {}) {
  const pair = await createSocatPair();
  cleanups.push(() => pair.dispose());
  const lines: string[] = [];
  const logger = createLogger('debug', (line) => lines.push(line));
  const transport = createSerialTransport(
    { path: pair.a, baudRate: 115200, framing: 'raw', backoff: FAST_BACKOFF, ...extra },
    logger,
  );
  const sink = new DatagramSink();
  await transport.start(sink);
  cleanups.push(() => transport.close());
  const far = await openFarEnd(pair.b);
  cleanups.push(() => far.close());
  return { pair, transport, sink, far, lines };
}

async function reopenFarEnd(pair: SocatPair, old: FarEnd): Promise<FarEnd> {
  await old.close();
  const far = await openFarEnd(pair.b);
  cleanups.push(() => far.close());
  return far;
}

describe('serial transport, raw framing, over a socat pty pair', () => {
  it('delivers packets written in odd chunks, with the line as the sender', async () => {
    const { transport, sink, far, pair } = await setup();
    expect(transport.isOpen).toBe(true);
    expect(transport.name).toBe(`serial ${pair.a} raw`);
    const stream = Buffer.concat([PUBLISH, PINGREQ, PUBLISH]);
    await far.write(stream.subarray(0, 3));
    await far.write(stream.subarray(3, 12));
    await far.write(stream.subarray(12));
    const got = await sink.waitForCount(3);
    expect(got.map((d) => d.data)).toEqual([PUBLISH, PINGREQ, PUBLISH]);
    expect(got[0]!.from.key).toBe(`serial:${pair.a}`);
    expect(got[2]!.from).toBe(got[0]!.from);
    expect(got[0]!.from.transport).toBe(transport);
  });

  it('sends replies and broadcasts down the line as they are', async () => {
    const { transport, sink, far } = await setup({ clientAddress: 'serial:sensor-7' });
    await far.write(PINGREQ);
    const [first] = await sink.waitForCount(1);
    expect(first!.from.key).toBe('serial:sensor-7');
    transport.send(PINGRESP, first!.from);
    const advertise = Buffer.from([0x05, 0x00, 0x01, 0x03, 0x84]);
    transport.broadcast(advertise);
    const expected = Buffer.concat([PINGRESP, advertise]);
    expect(await far.waitFor((r) => r.length >= expected.length, 'reply')).toEqual(expected);
    expect(transport.counters.datagramsOut).toBe(2);
  });

  it('skips garbage on the line and counts it', async () => {
    const { transport, sink, far, lines } = await setup();
    await far.write(Buffer.concat([Buffer.from([0x00, 0x00, 0xff, 0x03]), PUBLISH]));
    const [got] = await sink.waitForCount(1);
    expect(got!.data).toEqual(PUBLISH);
    expect(transport.counters.zeroLengths).toBe(2);
    expect(transport.counters.droppedBytes).toBe(4);
    expect(lines.some((l) => l.includes('bad input from serial:') && l.includes('zeroLengths +2'))).toBe(
      true,
    );
  });

  it('refuses messages over maxPayload and malformed packets, logging the peer', async () => {
    const { transport, sink, far, lines } = await setup({ maxPayload: 8 });
    expect(transport.mtu).toBe(8);
    await far.write(PINGREQ);
    const [first] = await sink.waitForCount(1);
    transport.send(PUBLISH, first!.from); // 11 octets > 8
    transport.send(Buffer.from([0x05, 0x17]), first!.from); // Length says 5, has 2
    expect(transport.counters.oversize).toBe(1);
    expect(transport.counters.refused).toBe(1);
    expect(lines.some((l) => l.includes('exceeds') && l.includes(first!.from.key))).toBe(true);
    expect(lines.some((l) => l.includes('Length field says 5'))).toBe(true);
    transport.send(PINGRESP, first!.from);
    expect(await far.waitFor((r) => r.length >= 2, 'PINGRESP')).toEqual(PINGRESP);
  });

  it('drops sends, counted and logged, while the device is not draining its write queue', async () => {
    const { transport, sink, far, lines } = await setup();
    await far.write(PINGREQ);
    const [first] = await sink.waitForCount(1);
    // PUBLISH QoS 0 with 1000 octets of payload; 200 of them in one turn of the event loop is far
    // more than the 64 KiB the port may queue, and nothing drains before the loop ends.
    const big = Buffer.concat([
      Buffer.from([0x01, 0x03, 0xf1, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x00]),
      Buffer.alloc(1000),
    ]);
    for (let i = 0; i < 200; i++) transport.send(big, first!.from);
    const { datagramsOut, droppedBacklog } = transport.counters;
    expect(droppedBacklog).toBeGreaterThan(0);
    expect(datagramsOut + droppedBacklog).toBe(200);
    expect(datagramsOut * big.length).toBeLessThan(80 * 1024);
    expect(lines.some((l) => l.includes('device not draining, dropped a message to serial:'))).toBe(true);
    // What was queued still arrives whole.
    await far.waitFor((r) => r.length >= datagramsOut * big.length, 'the queued messages');
  });

  it('survives the device vanishing mid-run and carries traffic again when it returns', async () => {
    const { transport, sink, pair, lines, far: firstFar } = await setup();
    await firstFar.write(PINGREQ);
    const [first] = await sink.waitForCount(1);

    await pair.stop(); // like pulling the USB adapter
    await sink.waitUntil(() => lines.some((l) => l.includes('device lost')), 'log of the lost device');
    expect(transport.isOpen).toBe(false);
    transport.send(PINGRESP, first!.from);
    expect(transport.counters.droppedWhileClosed).toBe(1);

    await pair.restart();
    await sink.waitUntil(() => transport.isOpen, 'reopen', 5000);
    expect(lines.some((l) => l.includes('reopened'))).toBe(true);
    const far = await reopenFarEnd(pair, firstFar);
    await far.write(PUBLISH);
    await sink.waitForCount(2);
    expect(sink.received[1]!.data).toEqual(PUBLISH);
    expect(sink.received[1]!.from.key).toBe(first!.from.key);
    transport.send(PINGRESP, sink.received[1]!.from);
    expect(await far.waitFor((r) => r.length >= 2, 'PINGRESP after reopen')).toEqual(PINGRESP);
    expect(transport.counters.disconnects).toBe(1);
  });

  it('starts with the device absent, logs it, and opens it when it appears', async () => {
    const pair = await createSocatPair();
    cleanups.push(() => pair.dispose());
    await pair.stop();
    const lines: string[] = [];
    const transport = createSerialTransport(
      { path: pair.a, baudRate: 115200, framing: 'raw', backoff: FAST_BACKOFF },
      createLogger('info', (line) => lines.push(line)),
    );
    const sink = new DatagramSink();
    await transport.start(sink); // resolves although the device is missing
    cleanups.push(() => transport.close());
    expect(transport.isOpen).toBe(false);
    expect(lines.some((l) => l.includes('cannot open') && l.includes(pair.a))).toBe(true);
    transport.send(PINGRESP, { key: `serial:${pair.a}`, transport });
    expect(transport.counters.droppedWhileClosed).toBe(1);

    await pair.restart();
    await sink.waitUntil(() => transport.isOpen, 'open after the device appeared', 5000);
    const far = await openFarEnd(pair.b);
    cleanups.push(() => far.close());
    await far.write(PINGREQ);
    expect((await sink.waitForCount(1))[0]!.data).toEqual(PINGREQ);
  });

  it('backs off, doubling the delay up to the maximum between attempts', async () => {
    const pair = await createSocatPair();
    cleanups.push(() => pair.dispose());
    await pair.stop();
    const lines: string[] = [];
    const transport = createSerialTransport(
      { path: pair.a, baudRate: 9600, framing: 'raw', backoff: { initialMs: 20, maxMs: 80 } },
      createLogger('debug', (line) => lines.push(line)),
    );
    const sink = new DatagramSink();
    await transport.start(sink);
    cleanups.push(() => transport.close());
    await sink.waitUntil(() => transport.counters.openFailures >= 5, 'five failed opens');
    await transport.close();
    const delays = lines.map((l) => /retrying in ([\d.]+) s/.exec(l)?.[1]).filter((d) => d !== undefined);
    expect(delays.slice(0, 5)).toEqual(['0.02', '0.04', '0.08', '0.08', '0.08']);
    expect(lines.filter((l) => l.includes('cannot open')).length).toBeGreaterThanOrEqual(5);
  });

  it('close() stops the reopen attempts', async () => {
    const pair = await createSocatPair();
    cleanups.push(() => pair.dispose());
    await pair.stop();
    const transport = createSerialTransport(
      { path: pair.a, baudRate: 115200, framing: 'raw', backoff: { initialMs: 10, maxMs: 10 } },
      createLogger('error', () => {}),
    );
    const sink = new DatagramSink();
    await transport.start(sink);
    await sink.waitUntil(() => transport.counters.openFailures >= 3, 'three failed opens');
    await transport.close();
    const failures = transport.counters.openFailures;
    await pair.restart();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(transport.counters.openFailures).toBe(failures);
    expect(transport.isOpen).toBe(false);
  });

  it('rejects a configuration that cannot work with a clear error', () => {
    const logger = createLogger('error', () => {});
    const base = { path: '/dev/null', baudRate: 9600 } as const;
    expect(() => createSerialTransport({ ...base, framing: 'slip' as 'raw' }, logger)).toThrow(
      SerialConfigError,
    );
    expect(() => createSerialTransport({ ...base, framing: 'raw', baudRate: 0 }, logger)).toThrow(
      /baud rate/,
    );
    expect(() => createSerialTransport({ ...base, framing: 'xbee-api2', maxPayload: 1 }, logger)).toThrow(
      /maxPayload/,
    );
  });
});
