/**
 * Fuzz: random and mutated byte streams (from valid packets), split at random points, sent by
 * throw-away connections. The process must stay up, every failure must be a protocol answer
 * (never 0x83, which means an unexpected exception), and a separate well-behaved subscriber
 * must keep receiving.
 */
import net from 'node:net';
import fc from 'fast-check';
import { generate, type Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/mqtt/harness.js';
import { RawClient } from '../helpers/mqtt/raw-client.js';

let t: TestBroker;
let watcher: RawClient;
let prober: RawClient;
let probes = 0;

beforeAll(async () => {
  t = await startTestBroker({ maxPacketSize: 4096, connectTimeoutMs: 1000 });
  watcher = (await RawClient.connected(t.port, 4, 'fuzz-watcher-7f3a')).client;
  watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'fuzz/probe', qos: 1 }] });
  await watcher.expect('suback');
  prober = (await RawClient.connected(t.port, 5, 'fuzz-prober-7f3a')).client;
});
afterAll(async () => {
  watcher.destroy();
  prober.destroy();
  await t.close();
});

/** A valid session's bytes for version `v`: CONNECT then a few ordinary packets. */
function validStream(v: 4 | 5): Buffer {
  const packets: Packet[] = [
    { cmd: 'connect', protocolId: 'MQTT', protocolVersion: v, clientId: 'fz', clean: true, keepalive: 30 },
    { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'f/+', qos: 1 }] },
    {
      cmd: 'publish',
      topic: 'f/a',
      payload: Buffer.from('hello'),
      qos: 1,
      messageId: 2,
      retain: false,
      dup: false,
    },
    {
      cmd: 'publish',
      topic: 'f/b',
      payload: Buffer.from('x'),
      qos: 2,
      messageId: 3,
      retain: true,
      dup: false,
    },
    { cmd: 'pubrel', messageId: 3 },
    { cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['f/+'] },
    { cmd: 'pingreq' },
    { cmd: 'disconnect' },
  ];
  return Buffer.concat(packets.map((p) => generate(p, { protocolVersion: v })));
}

const mutation = fc.record({
  at: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
  kind: fc.constantFrom('flip', 'insert', 'delete'),
});

const mutatedStream = fc
  .tuple(
    fc.constantFrom(4 as const, 5 as const),
    fc.array(mutation, { minLength: 1, maxLength: 6 }),
    fc.nat(),
  )
  .map(([v, mutations, cut]) => {
    const bytes = [...validStream(v)];
    for (const m of mutations) {
      const at = m.at % (bytes.length + 1);
      if (m.kind === 'flip' && at < bytes.length) bytes[at] = m.byte;
      else if (m.kind === 'insert') bytes.splice(at, 0, m.byte);
      else bytes.splice(at, 1);
    }
    return Buffer.from(bytes.slice(0, Math.max(1, bytes.length - (cut % 8))));
  });

/** A valid CONNECT followed by random bytes: reaches the handlers behind the dispatcher. */
const connectThenRandom = fc
  .tuple(fc.constantFrom(4 as const, 5 as const), fc.uint8Array({ maxLength: 120 }))
  .map(([v, tail]) =>
    Buffer.concat([
      generate(
        {
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: v,
          clientId: 'fr',
          clean: true,
          keepalive: 30,
        },
        { protocolVersion: v },
      ),
      Buffer.from(tail),
    ]),
  );

const anyStream = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => Buffer.from(a)),
  mutatedStream,
  connectThenRandom,
);

async function sendSplit(bytes: Buffer, cuts: number[]): Promise<void> {
  const socket = net.connect({ port: t.port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const points = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from && !socket.destroyed) socket.write(bytes.subarray(from, p));
    from = Math.max(from, p);
    await new Promise((r) => setImmediate(r));
  }
  socket.destroy();
}

async function probe(): Promise<void> {
  const payload = `probe-${++probes}`;
  prober.send({
    cmd: 'publish',
    topic: 'fuzz/probe',
    payload: Buffer.from(payload),
    qos: 0,
    retain: false,
    dup: false,
  });
  for (;;) {
    const p = await watcher.next(3000);
    if (p.cmd === 'publish') {
      if (p.qos > 0) watcher.send({ cmd: 'puback', messageId: p.messageId! });
      if (p.payload.toString() === payload) return;
    }
  }
}

describe('mqtt fuzz', () => {
  it('random and mutated streams split at random points never hurt other clients', {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(anyStream, fc.array(fc.nat(), { maxLength: 8 }), async (bytes, cuts) => {
        await sendSplit(bytes, cuts);
        await probe();
      }),
      { numRuns: 200 },
    );
    expect(watcher.isClosed).toBe(false);
    expect(prober.isClosed).toBe(false);
    const unexpected = t.logs.filter((l) => l.includes('(0x83'));
    expect(unexpected).toEqual([]);
  });
});
