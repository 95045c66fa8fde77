import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observe/logger.js';
import type { PeerAddress } from '../../../src/transport/types.js';
import { createUdpTransport, type UdpTransport } from '../../../src/transport/udp.js';

interface Received {
  data: Buffer;
  from: PeerAddress;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function collectingLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger('debug', (line) => lines.push(line)) };
}

async function startTransport(
  options: Parameters<typeof createUdpTransport>[0],
  logger = collectingLogger().logger,
): Promise<{ transport: UdpTransport; received: Received[]; next: () => Promise<Received> }> {
  const transport = createUdpTransport(options, logger);
  const received: Received[] = [];
  const waiters: Array<(r: Received) => void> = [];
  await transport.start({
    datagram(data, from) {
      const item = { data: Buffer.from(data), from };
      const waiter = waiters.shift();
      if (waiter) waiter(item);
      else received.push(item);
    },
  });
  cleanups.push(() => transport.close());
  const next = () =>
    new Promise<Received>((resolve, reject) => {
      const queued = received.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => reject(new Error('no datagram within 3 s')), 3000);
      waiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  return { transport, received, next };
}

async function clientSocket(type: 'udp4' | 'udp6', host: string) {
  const socket = dgram.createSocket(type);
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  const inbox: Buffer[] = [];
  const waiters: Array<(b: Buffer) => void> = [];
  socket.on('message', (m) => {
    const waiter = waiters.shift();
    if (waiter) waiter(m);
    else inbox.push(m);
  });
  const next = () =>
    new Promise<Buffer>((resolve, reject) => {
      const queued = inbox.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => reject(new Error('no reply within 3 s')), 3000);
      waiters.push((b) => {
        clearTimeout(timer);
        resolve(b);
      });
    });
  const send = (data: Buffer, port: number, address: string) =>
    new Promise<void>((resolve, reject) =>
      socket.send(data, port, address, (e) => (e ? reject(e) : resolve())),
    );
  return { socket, next, send, port: socket.address().port };
}

// MQTT-SN PINGREQ (§5.4.19): Length 2, MsgType 0x16.
const PINGREQ = Buffer.from([0x02, 0x16]);
const PINGRESP = Buffer.from([0x02, 0x17]);

describe('UDP transport over IPv4 (127.0.0.1)', () => {
  it('binds port 0, reports the chosen port, and reuses one PeerAddress per sender', async () => {
    const { transport, next } = await startTransport({ port: 0, host: '127.0.0.1' });
    expect(transport.port).toBeGreaterThan(0);
    expect(transport.name).toBe(`udp 127.0.0.1:${transport.port}`);
    const client = await clientSocket('udp4', '127.0.0.1');
    for (let i = 0; i < 5; i++) await client.send(PINGREQ, transport.port, '127.0.0.1');
    const got = [await next(), await next(), await next(), await next(), await next()];
    expect(got.map((r) => r.data)).toEqual(Array(5).fill(PINGREQ));
    const first = got[0]!.from;
    expect(first.key).toBe(`udp:127.0.0.1:${client.port}`);
    expect(first.transport).toBe(transport);
    for (const r of got) expect(r.from).toBe(first);
    expect(transport.counters.datagramsIn).toBe(5);
  });

  it('sends replies back to the sender, and tells two senders apart', async () => {
    const { transport, next } = await startTransport({ port: 0, host: '127.0.0.1' });
    const a = await clientSocket('udp4', '127.0.0.1');
    const b = await clientSocket('udp4', '127.0.0.1');
    await a.send(PINGREQ, transport.port, '127.0.0.1');
    const fromA = (await next()).from;
    await b.send(PINGREQ, transport.port, '127.0.0.1');
    const fromB = (await next()).from;
    expect(fromA.key).not.toBe(fromB.key);
    transport.send(PINGRESP, fromB);
    transport.send(Buffer.from([0x03, 0x17, 0x00]), fromA);
    expect(await b.next()).toEqual(PINGRESP);
    expect(await a.next()).toEqual(Buffer.from([0x03, 0x17, 0x00]));
    expect(transport.counters.datagramsOut).toBe(2);
  });

  it('keeps working with a tiny peer cache (evicted peers come back with the same key)', async () => {
    const { transport, next } = await startTransport({ port: 0, host: '127.0.0.1', maxPeers: 1 });
    const a = await clientSocket('udp4', '127.0.0.1');
    const b = await clientSocket('udp4', '127.0.0.1');
    await a.send(PINGREQ, transport.port, '127.0.0.1');
    const a1 = (await next()).from;
    await b.send(PINGREQ, transport.port, '127.0.0.1');
    await next();
    await a.send(PINGREQ, transport.port, '127.0.0.1');
    const a2 = (await next()).from;
    expect(a2.key).toBe(a1.key);
    // A new object: the cache really is bounded (b pushed a out).
    expect(a2).not.toBe(a1);
    transport.send(PINGRESP, a2);
    expect(await a.next()).toEqual(PINGRESP);
    // The evicted object still reaches its peer (the gateway may hold it).
    transport.send(PINGRESP, a1);
    expect(await a.next()).toEqual(PINGRESP);
  });

  it('broadcasts to the configured broadcast address', async () => {
    // A receiver on the wildcard address sees loopback broadcasts to 127.255.255.255.
    const listener = await clientSocket('udp4', '0.0.0.0');
    const { transport } = await startTransport({
      port: 0,
      host: '127.0.0.1',
      broadcastAddress: '127.255.255.255',
      broadcastPort: listener.port,
    });
    const advertise = Buffer.from([0x05, 0x00, 0x01, 0x03, 0x84]); // ADVERTISE §5.4.1, 900 s
    transport.broadcast(advertise);
    expect(await listener.next()).toEqual(advertise);
  });

  it('ignores broadcast() when no broadcast address is configured', async () => {
    const { transport } = await startTransport({ port: 0, host: '127.0.0.1' });
    transport.broadcast(Buffer.from([0x02, 0x01]));
    expect(transport.counters.datagramsOut).toBe(0);
  });

  it('logs a failed send with the peer and keeps running', async () => {
    const { lines, logger } = collectingLogger();
    const { transport, next } = await startTransport({ port: 0, host: '127.0.0.1' }, logger);
    const client = await clientSocket('udp4', '127.0.0.1');
    await client.send(PINGREQ, transport.port, '127.0.0.1');
    const peer = (await next()).from;
    transport.send(Buffer.alloc(70_000), peer); // larger than any UDP datagram: EMSGSIZE
    await expect.poll(() => transport.counters.sendErrors).toBe(1);
    expect(lines.some((l) => l.includes(peer.key) && l.includes('send to'))).toBe(true);
    transport.send(PINGRESP, peer);
    expect(await client.next()).toEqual(PINGRESP);
  });

  it('refuses a PeerAddress from another transport without throwing', async () => {
    const { lines, logger } = collectingLogger();
    const { transport } = await startTransport({ port: 0, host: '127.0.0.1' }, logger);
    const foreign: PeerAddress = { key: 'serial:/dev/null', transport };
    expect(() => transport.send(PINGRESP, foreign)).not.toThrow();
    expect(transport.counters.sendErrors).toBe(1);
    expect(lines.some((l) => l.includes('serial:/dev/null'))).toBe(true);
  });

  it('rejects start with a clear error when the port is taken', async () => {
    const { transport } = await startTransport({ port: 0, host: '127.0.0.1' });
    const second = createUdpTransport({ port: transport.port, host: '127.0.0.1' });
    await expect(second.start({ datagram() {} })).rejects.toThrow(/cannot bind 127\.0\.0\.1:\d+/);
  });

  it('advertises an mtu below the largest UDP payload', () => {
    const transport = createUdpTransport({ port: 0, host: '127.0.0.1' });
    expect(transport.mtu).toBeLessThan(65507);
    expect(transport.mtu).toBeGreaterThan(60_000);
  });
});

describe('UDP transport over IPv6 (::1)', () => {
  it('uses udp6 keys and replies to the sender', async () => {
    const { transport, next } = await startTransport({ port: 0, host: '::1' });
    expect(transport.name).toBe(`udp6 [::1]:${transport.port}`);
    const client = await clientSocket('udp6', '::1');
    await client.send(PINGREQ, transport.port, '::1');
    await client.send(PINGREQ, transport.port, '::1');
    const first = await next();
    const second = await next();
    expect(first.from.key).toBe(`udp6:[::1]:${client.port}`);
    expect(second.from).toBe(first.from);
    transport.send(PINGRESP, first.from);
    expect(await client.next()).toEqual(PINGRESP);
  });

  it('survives a multicast group that the interface cannot reach (logged, counted)', async () => {
    const { lines, logger } = collectingLogger();
    const { transport } = await startTransport(
      { port: 0, host: '::1', broadcastAddress: 'ff02::1%lo', broadcastPort: 9 },
      logger,
    );
    transport.broadcast(Buffer.from([0x03, 0x02, 0x01]));
    await expect.poll(() => transport.counters.sendErrors).toBe(1);
    expect(lines.some((l) => l.includes('broadcast to ff02::1%lo'))).toBe(true);
  });
});
