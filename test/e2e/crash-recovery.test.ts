/**
 * Issue 3's crash test: nothing acknowledged is ever lost. The real gateway process (built CLI,
 * SQLite store, synchronous=NORMAL) is killed with SIGKILL at random moments while a publisher sends
 * numbered QoS 1 and QoS 2 messages (two publishers) to persistent subscribers, some connected and some offline.
 * After the last restart every subscriber must hold every message acknowledged to the publisher
 * (PUBACK for QoS 1, PUBREC for QoS 2 — the broker owns the message from then on, [MQTT-4.3.3]),
 * none twice at QoS 2 [MQTT-4.3.3], in publishing order [MQTT-4.6.0-6] (counting first copies: QoS 1
 * may repeat a message).
 *
 * The clients are single MQTT.js instances that survive the restarts (clean session off, their
 * in-flight state kept), reconnected by the test after each restart, as a real device would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient, type Packet } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, GatewayProcess } from '../helpers/gateway-process.js';

/** Kills per run; CRASH_ROUNDS=50 repeats it many more times (the default keeps `npm test` fast). */
const ROUNDS = Number.parseInt(process.env.CRASH_ROUNDS ?? '5', 10);
const TOPIC = 'crash/numbers';
/** Unacknowledged publishes the publisher keeps in flight. */
const WINDOW = 16;
/** The second publisher's numbers start above this (even, so n % 2 still gives the QoS). */
const SECOND_PUBLISHER = 1_000_000;

interface Received {
  n: number;
  qos: number;
}

class Publisher {
  readonly acked = new Set<number>();
  /** Packet id → message number, from the PUBLISH as it went out (resends keep their id). */
  private readonly numberOf = new Map<number, number>();
  private next = 1;
  private inFlight = 0;
  private running = false;

  /** `offset` tells the publishers apart: the second one numbers its messages from 1,000,001. */
  constructor(
    readonly client: MqttClient,
    private readonly offset = 0,
  ) {
    client.on('packetsend', (packet: Packet) => {
      if (packet.cmd === 'publish' && packet.messageId !== undefined) {
        this.numberOf.set(packet.messageId, Number(packet.payload.toString()));
      }
    });
    client.on('packetreceive', (packet: Packet) => {
      // PUBACK (QoS 1) and PUBREC (QoS 2) are the broker's acknowledgement of ownership.
      if ((packet.cmd === 'puback' || packet.cmd === 'pubrec') && packet.messageId !== undefined) {
        const n = this.numberOf.get(packet.messageId);
        if (n !== undefined) this.acked.add(n);
      }
    });
    client.on('connect', () => this.pump());
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  stop(): void {
    this.running = false;
  }

  get pending(): number {
    return this.inFlight;
  }

  private pump(): void {
    while (this.running && this.client.connected && this.inFlight < WINDOW) {
      const n = this.offset + this.next++;
      this.inFlight += 1;
      // Odd numbers at QoS 1, even ones at QoS 2.
      this.client.publish(TOPIC, String(n), { qos: n % 2 === 1 ? 1 : 2 }, () => {
        this.inFlight -= 1;
        setImmediate(() => this.pump());
      });
    }
  }
}

class Subscriber {
  /** Messages as the application sees them ('message': QoS 2 at PUBREL). */
  readonly received: Received[] = [];
  /** Message numbers in PUBLISH arrival order (QoS 2 is handed over later, at PUBREL). */
  readonly arrivals: number[] = [];

  constructor(
    readonly name: string,
    readonly client: MqttClient,
  ) {
    client.on('message', (_topic, payload, packet) => {
      this.received.push({ n: Number(payload.toString()), qos: packet.qos });
    });
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'publish') this.arrivals.push(Number(packet.payload.toString()));
    });
  }

  has(numbers: Iterable<number>): boolean {
    const got = new Set(this.received.map((r) => r.n));
    for (const n of numbers) if (!got.has(n)) return false;
    return true;
  }
}

function client(port: number, clientId: string): MqttClient {
  const c = mqtt.connect({
    host: '127.0.0.1',
    port,
    clientId,
    clean: false,
    protocolVersion: 4,
    keepalive: 0,
    // The test reconnects by hand after each restart (reconnect() keeps the in-flight state).
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  c.on('error', () => undefined);
  return c;
}

function connected(c: MqttClient): Promise<void> {
  if (c.connected) return Promise.resolve();
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${c.options.clientId} did not connect`)), 10_000);
    c.once('connect', () => {
      clearTimeout(timer);
      ok();
    });
  });
}

function closed(c: MqttClient): Promise<void> {
  if (!c.connected) return Promise.resolve();
  return new Promise((ok) => c.once('close', () => ok()));
}

/** Reconnect keeping the client's in-flight state (MQTT.js would start from empty stores otherwise). */
async function reconnect(c: MqttClient): Promise<void> {
  if (!c.connected) c.reconnect({ incomingStore: c.incomingStore, outgoingStore: c.outgoingStore });
  await connected(c);
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
}

function randomBetween(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min));
}

describe('crash recovery: kill -9 while publishing QoS 1 and QoS 2 to persistent subscribers', () => {
  let directory: string;
  let configFile: string;
  let port: number;
  let gateway: GatewayProcess | undefined;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'mqttsn-crash-'));
    port = await freePort();
    configFile = join(directory, 'gateway.conf');
    writeFileSync(
      configFile,
      [
        `listener ${port} 127.0.0.1`,
        'mqttsn_udp 0 127.0.0.1',
        'sys_interval 0',
        'persistence true',
        'persistence_location ./data',
        'persistence_sync normal',
        // Offline subscribers queue every message of the run.
        'max_queued_messages 0',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    await gateway?.kill();
    rmSync(directory, { recursive: true, force: true });
  });

  it(
    `loses nothing acknowledged and duplicates no QoS 2 message over ${ROUNDS} kills`,
    async () => {
      gateway = await GatewayProcess.start(configFile, port);
      const publisherClient = client(port, 'crash-publisher');
      clients.push(publisherClient);
      const publisher = new Publisher(publisherClient);
      const secondClient = client(port, 'crash-publisher-2');
      clients.push(secondClient);
      const second = new Publisher(secondClient, SECOND_PUBLISHER);
      const publishers = [publisher, second];
      const online = new Subscriber('online', client(port, 'crash-online'));
      // Offline for the whole run until the end: everything reaches it from the store.
      const offline = new Subscriber('offline', client(port, 'crash-offline'));
      // Online in odd rounds only: its queue grows while offline and drains across restarts.
      const intermittent = new Subscriber('intermittent', client(port, 'crash-intermittent'));
      const subscribers = [online, offline, intermittent];
      for (const s of subscribers) clients.push(s.client);
      for (const s of subscribers) {
        await connected(s.client);
        await s.client.subscribeAsync(TOPIC, { qos: 2 });
      }
      await connected(publisherClient);
      await connected(secondClient);
      // Drop the connection (no DISCONNECT, as a device that goes away): end() would make the MQTT.js
      // instance unusable, and it must come back with its state at the end.
      offline.client.stream.destroy();
      await closed(offline.client);

      for (let round = 1; round <= ROUNDS; round += 1) {
        if (round > 1) {
          gateway = await GatewayProcess.start(configFile, port);
          await reconnect(publisherClient);
          await reconnect(secondClient);
          await reconnect(online.client);
          if (round % 2 === 1) await reconnect(intermittent.client);
        }
        for (const p of publishers) p.start();
        // Kill at a random moment once this round has got going.
        const ackedBefore = publisher.acked.size;
        await until(() => publisher.acked.size >= ackedBefore + 50, 5000);
        await new Promise((ok) => setTimeout(ok, randomBetween(0, 400)));
        await gateway.kill();
        await Promise.all(clients.map(closed));
      }

      // Final start: no more new messages; in-flight ones complete, then everything is delivered.
      for (const p of publishers) p.stop();
      gateway = await GatewayProcess.start(configFile, port);
      for (const c of [publisherClient, secondClient, online.client, offline.client, intermittent.client])
        await reconnect(c);
      await until(() => publishers.every((p) => p.pending === 0), 10_000);
      const acked = publishers.flatMap((p) => [...p.acked]).sort((a, b) => a - b);
      await until(() => subscribers.every((s) => s.has(acked)), 15_000);

      expect(acked.length).toBeGreaterThan(ROUNDS * 50);
      expect(second.acked.size).toBeGreaterThan(0);
      for (const s of subscribers) {
        const got = new Set(s.received.map((r) => r.n));
        const missing = acked.filter((n) => !got.has(n));
        expect(missing, `${s.name}: acknowledged messages never delivered`).toEqual([]);

        const copies = new Map<number, number>();
        for (const r of s.received) copies.set(r.n, (copies.get(r.n) ?? 0) + 1);
        const qos2Twice = [...copies].filter(([n, count]) => n % 2 === 0 && count > 1).map(([n]) => n);
        expect(qos2Twice, `${s.name}: QoS 2 messages delivered more than once`).toEqual([]);

        const firstCopies: number[] = [];
        const seen = new Set<number>();
        for (const n of s.arrivals) {
          if (!seen.has(n)) firstCopies.push(n);
          seen.add(n);
        }
        // In order per publisher [MQTT-4.6.0-6]; the two publishers interleave freely.
        for (const fromSecond of [false, true]) {
          const own = firstCopies.filter((n) => n > SECOND_PUBLISHER === fromSecond);
          const outOfOrder = own.filter((n, i) => i > 0 && n < own[i - 1]!);
          expect(outOfOrder, `${s.name}: messages out of publishing order`).toEqual([]);
        }

        expect(s.received.every((r) => r.qos === (r.n % 2 === 1 ? 1 : 2))).toBe(true);
      }
    },
    60_000 + ROUNDS * 4_000,
  );
});
