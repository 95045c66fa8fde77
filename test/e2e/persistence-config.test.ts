/**
 * Issue 3: the gateway.conf keys `persistence`, `persistence_location` and `persistence_sync` reach
 * the store of the real binary. `persistence false` keeps nothing across a restart (the same
 * exercise with `persistence true` keeps the session, its queue and the retained message, so the
 * exercise can tell the two apart); the sync level is read back from SQLite itself, which the store
 * logs at start-up (`<file>: synchronous=FULL journal_mode=wal locking_mode=exclusive`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, GatewayProcess } from '../helpers/gateway-process.js';
import { RawClient } from '../helpers/mqtt/raw-client.js';

let directory = '';
const running: GatewayProcess[] = [];
const clients: RawClient[] = [];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'mqttsn-persist-conf-'));
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const gateway of running.splice(0)) await gateway.kill();
  rmSync(directory, { recursive: true, force: true });
});

async function configure(lines: string[]): Promise<{ file: string; port: number }> {
  const port = await freePort();
  const file = join(directory, 'gateway.conf');
  writeFileSync(
    file,
    [`listener ${port} 127.0.0.1`, 'mqttsn_udp 0 127.0.0.1', 'sys_interval 0', ...lines, ''].join('\n'),
  );
  return { file, port };
}

async function start(file: string, port: number): Promise<GatewayProcess> {
  const gateway = await GatewayProcess.start(file, port);
  running.push(gateway);
  return gateway;
}

async function connect(port: number, clientId: string, clean: boolean) {
  const connected = await RawClient.connected(port, 4, clientId, { clean });
  clients.push(connected.client);
  return connected;
}

/** A persistent subscriber goes offline; a retained message and a queued message are acknowledged. */
async function leaveStateBehind(port: number): Promise<void> {
  const { client: subscriber } = await connect(port, 'offline-sub', false);
  subscriber.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'cfg/queue', qos: 1 }] });
  await subscriber.expect('suback');
  subscriber.destroy();
  await subscriber.closed;
  const { client: publisher } = await connect(port, 'publisher', true);
  for (const [messageId, topic, retain] of [
    [1, 'cfg/retained', true],
    [2, 'cfg/queue', false],
  ] as const) {
    publisher.send({
      cmd: 'publish',
      topic,
      payload: Buffer.from(topic),
      qos: 1,
      messageId,
      retain,
      dup: false,
    });
    // PUBACK: the broker owns the message (durable first when persistence is on).
    await publisher.expect('puback');
  }
  publisher.destroy();
}

/** What the subscriber finds after the restart: session present?, queued and retained payloads. */
async function whatIsLeft(port: number): Promise<{ sessionPresent: boolean; payloads: string[] }> {
  const { client, connack } = await connect(port, 'offline-sub', false);
  client.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'cfg/retained', qos: 1 }] });
  const payloads: string[] = [];
  // SUBACK comes after any queued message; the retained one after the SUBACK.
  for (;;) {
    const packet = await client.next();
    if (packet.cmd === 'suback') break;
    if (packet.cmd === 'publish') payloads.push(packet.payload.toString());
  }
  const retained = await client.next(1000).catch(() => undefined);
  if (retained?.cmd === 'publish') payloads.push(retained.payload.toString());
  return { sessionPresent: connack.sessionPresent, payloads };
}

describe('gateway.conf persistence keys reach the store', () => {
  it('persistence false: no store file, and nothing survives kill -9', async () => {
    const { file, port } = await configure(['persistence false', 'persistence_location ./data']);
    const gateway = await start(file, port);
    expect(gateway.log).toContain('Persistence off');
    await leaveStateBehind(port);
    await gateway.kill();
    await start(file, port);
    expect(await whatIsLeft(port)).toEqual({ sessionPresent: false, payloads: [] });
    expect(existsSync(join(directory, 'data'))).toBe(false);
  });

  it('persistence true (the same exercise): session, queued and retained message survive kill -9', async () => {
    const { file, port } = await configure(['persistence true', 'persistence_location ./data']);
    const gateway = await start(file, port);
    await leaveStateBehind(port);
    await gateway.kill();
    await start(file, port);
    expect(await whatIsLeft(port)).toEqual({ sessionPresent: true, payloads: ['cfg/queue', 'cfg/retained'] });
  });

  it.each([
    ['full', 'FULL'],
    ['normal', 'NORMAL'],
  ])('persistence_sync %s: SQLite reports synchronous=%s, in persistence_location', async (sync, pragma) => {
    const { file, port } = await configure([
      `persistence_location ./state-${sync}`,
      `persistence_sync ${sync}`,
    ]);
    const gateway = await start(file, port);
    const database = join(directory, `state-${sync}`, 'mqttsn-gateway.db');
    expect(existsSync(database)).toBe(true);
    expect(gateway.log).toContain(
      `${database}: synchronous=${pragma} journal_mode=wal locking_mode=exclusive`,
    );
  });
});
