/**
 * Hostile input against the TLS and WebSocket listeners, each with its documented outcome
 * (docs/security.md) while a legitimate client keeps working:
 * - slow loris: TCP sockets that never start TLS, TLS or plain sockets that never send (all of)
 *   a CONNECT, and HTTP requests that never finish the upgrade are all closed after connect_timeout;
 * - a flood of connections from one address: refused beyond connection_rate, counted, logged;
 *   another address is unaffected;
 * - max_connections_per_address and max_connections;
 * - an oversized packet: that connection is closed (v5: DISCONNECT 0x95), others go on.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, endAll } from '../helpers/mqtt/mqttjs.js';
import { makeTestCerts, type TestCerts } from '../unit/security/certs.js';
import {
  run,
  type SecureBroker,
  startSecureBroker,
  waitFor,
  waitForLog,
} from '../unit/security/secure-harness.js';

let certs: TestCerts;
let t: SecureBroker | undefined;
const clients: mqtt.MqttClient[] = [];
const sockets: net.Socket[] = [];

beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs.cleanup());
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await endAll(...clients.splice(0));
  await t?.close();
  t = undefined;
});

const conf = (extra: string): string =>
  [
    'listener 0 127.0.0.1',
    'tls_listener 0 127.0.0.1',
    'ws_listener 0 127.0.0.1',
    `certfile ${certs.serverCert}`,
    `keyfile ${certs.serverKey}`,
    extra,
  ].join('\n');

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    socket.on('close', () => resolve());
    socket.on('error', () => {});
  });
}

function rawTcp(port: number, localAddress = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s));
    s.resume(); // flowing, so the server's FIN is seen and 'close' comes
    sockets.push(s);
    s.on('error', reject);
  });
}

function tlsSocket(port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', ca: readFileSync(certs.ca) }, () => resolve(s));
    s.resume();
    sockets.push(s);
    s.on('error', reject);
  });
}

/** Publishes over TLS with mosquitto_pub and expects a subscriber to get it: the broker still serves. */
async function legitimateClientWorks(bindAddress = '127.0.0.1'): Promise<void> {
  const sub = await mqtt.connectAsync(`ws://127.0.0.1:${t!.port('ws')}`, {
    reconnectPeriod: 0,
    connectTimeout: 3000,
    wsOptions: { localAddress: bindAddress },
  });
  clients.push(sub);
  await sub.subscribeAsync('legit/t');
  const got = collect(sub, 1, 5000);
  const pub = await run('mosquitto_pub', [
    ...['-h', '127.0.0.1', '-p', String(t!.port('tls')), '--cafile', certs.ca, '-A', bindAddress],
    ...['-t', 'legit/t', '-m', 'still served'],
  ]);
  expect(pub.code).toBe(0);
  expect((await got)[0]?.payload).toBe('still served');
}

describe('slow loris', () => {
  it('sockets that never handshake, never send CONNECT or never finish the upgrade are closed', async () => {
    // A connection cap makes every socket hold a slot, so leaked slots of closed sockets would show.
    t = await startSecureBroker(conf('connect_timeout 1\nmax_connections 1000'), certs.dir);
    const noHandshake = await Promise.all(Array.from({ length: 5 }, () => rawTcp(t!.port('tls'))));
    const noConnect = await Promise.all(Array.from({ length: 5 }, () => tlsSocket(t!.port('tls'))));
    const noUpgrade = await Promise.all(Array.from({ length: 5 }, () => rawTcp(t!.port('ws'))));
    for (const s of noUpgrade) s.write('GET / HTTP/1.1\r\nHost: x\r\n'); // headers never end
    const plainIdle = await Promise.all(Array.from({ length: 5 }, () => rawTcp(t!.port('tcp'))));
    // Half a CONNECT (fixed header announcing 16 bytes, 3 sent), then nothing.
    for (const s of plainIdle.slice(0, 2)) s.write(Buffer.from([0x10, 0x10, 0x00, 0x04, 0x4d]));
    await legitimateClientWorks();
    await waitFor(() => plainIdle.every((x) => x.closed), 'plain sockets without CONNECT closed', 8000);
    await waitForLog(
      t.logs,
      /Client <unknown> \(127\.0\.0\.1:\d+\) sent no CONNECT within 1000 ms, closing\./,
    );
    await waitFor(() => noHandshake.every((x) => x.closed), 'sockets without TLS handshake closed', 8000);
    await waitForLog(t.logs, /TLS handshake with 127\.0\.0\.1:\d+ failed: TLS handshake timeout/);
    await waitFor(() => noConnect.every((x) => x.closed), 'TLS sockets without CONNECT closed', 8000);
    await waitFor(() => noUpgrade.every((x) => x.closed), 'unfinished upgrade requests closed', 8000);
    // Their slots are free again; only the legitimate subscriber holds one.
    await waitFor(() => t!.limiter.openConnections === 1, 'slots of closed sockets released');
  });
});

describe('connection flood from one address', () => {
  it('beyond connection_rate: refused before any handshake, counted; another address unaffected', async () => {
    t = await startSecureBroker(conf('connection_rate 5'), certs.dir);
    // 40 connections at once: the bucket holds 5, so at least 30 are refused however fast we are.
    await Promise.all(
      Array.from({ length: 40 }, () => rawTcp(t!.port('tls'), '127.0.0.3').catch(() => undefined)),
    );
    await waitForLog(
      t.logs,
      /TLS listener on port \d+: connection from 127\.0\.0\.3:\d+ refused: connection_rate \(5\/s\) exceeded/,
    );
    await legitimateClientWorks('127.0.0.2');
    expect(t.logs.filter((l) => l.includes('connection_rate (5/s) exceeded')).length).toBeGreaterThanOrEqual(
      30,
    );
  });

  it('a CONNECT flood with mosquitto_pub on the plain listener: beyond connection_rate refused', async () => {
    t = await startSecureBroker(conf('connection_rate 3'), certs.dir);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        run('mosquitto_pub', [
          ...['-h', '127.0.0.1', '-p', String(t!.port('tcp')), '-A', '127.0.0.8'],
          ...['-i', `flood-${i}`, '-t', 'flood', '-m', String(i)],
        ]),
      ),
    );
    // The bucket holds 3: at most 3 (+ what refills meanwhile) get through; the rest are refused.
    expect(results.filter((r) => r.code !== 0).length).toBeGreaterThan(0);
    await waitForLog(
      t.logs,
      /MQTT listener on port 0: connection from 127\.0\.0\.8:\d+ refused: connection_rate \(3\/s\) exceeded/,
    );
    expect(t.limiter.counters.refusedRate).toBe(results.filter((r) => r.code !== 0).length);
    await legitimateClientWorks('127.0.0.2');
  });

  it('max_connections_per_address: the extra connection is refused, other addresses still get in', async () => {
    t = await startSecureBroker(conf('max_connections_per_address 3'), certs.dir);
    const held = await Promise.all(Array.from({ length: 3 }, () => rawTcp(t!.port('ws'), '127.0.0.4')));
    // The client side connects before the server accepts: wait until the three are counted.
    await waitFor(() => t!.limiter.connectionsFrom('127.0.0.4') === 3, 'three connections counted');
    const extra = await rawTcp(t.port('tls'), '127.0.0.4');
    await closed(extra);
    await waitForLog(
      t.logs,
      /connection from 127\.0\.0\.4:\d+ refused: max_connections_per_address \(3\) reached/,
    );
    await legitimateClientWorks('127.0.0.2');
    expect(held.every((s) => !s.destroyed)).toBe(true);
  });

  it('max_connections: overall cap across listeners', async () => {
    t = await startSecureBroker(conf('max_connections 2'), certs.dir);
    await rawTcp(t.port('ws'), '127.0.0.5');
    await rawTcp(t.port('tls'), '127.0.0.6');
    await waitFor(() => t!.limiter.openConnections === 2, 'two connections counted');
    const third = await rawTcp(t.port('tls'), '127.0.0.7');
    await closed(third);
    await waitForLog(t.logs, /refused: max_connections \(2\) reached/);
  });
});

describe('topic limits', () => {
  it('max_topic_levels / max_topic_length: PUBLISH and SUBSCRIBE get v5 0x87, counted and logged', async () => {
    t = await startSecureBroker(conf('max_topic_levels 3\nmax_topic_length 40'), certs.dir);
    const c = await mqtt.connectAsync(`ws://127.0.0.1:${t.port('ws')}`, {
      reconnectPeriod: 0,
      protocolVersion: 5,
      clientId: 'deep',
    });
    clients.push(c);
    await expect(c.publishAsync('a/b/c/d', 'x', { qos: 1 })).rejects.toThrow(/Not authorized/i);
    await expect(c.publishAsync(`a/${'x'.repeat(50)}`, 'x', { qos: 1 })).rejects.toThrow(/Not authorized/i);
    await expect(c.subscribeAsync('a/b/c/#')).rejects.toThrow(/Not authorized/i); // SUBACK 0x87
    expect((await c.subscribeAsync('a/b/+'))[0]?.qos).toBe(0);
    await c.publishAsync('a/b/c', 'within', { qos: 1 });
    expect(t.security.authorizer?.counters.topicLimit).toBe(3);
    await waitForLog(t.logs, /Client deep: PUBLISH refused: topic of 4 levels exceeds max_topic_levels 3/);
  });
});

describe('oversized packets', () => {
  it('a PUBLISH over max_packet_size closes that connection (v5: DISCONNECT 0x95); others go on', async () => {
    t = await startSecureBroker(conf('max_packet_size 1000'), certs.dir);
    const big = await mqtt.connectAsync(`ws://127.0.0.1:${t.port('ws')}`, {
      reconnectPeriod: 0,
      protocolVersion: 5,
      clientId: 'big',
    });
    clients.push(big);
    const disconnect = new Promise<number | undefined>((resolve) => {
      big.on('disconnect', (packet) => resolve(packet.reasonCode));
    });
    big.publish('x/y', Buffer.alloc(5000));
    expect(await disconnect).toBe(0x95);
    await legitimateClientWorks();
  });

  it('a WebSocket frame over max_packet_size is refused by the WebSocket layer', async () => {
    t = await startSecureBroker(conf('max_packet_size 1000'), certs.dir);
    const code = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${t!.port('ws')}`, ['mqtt']);
      ws.on('open', () => ws.send(Buffer.alloc(5000)));
      ws.on('close', (c) => resolve(c));
      ws.on('error', () => {});
    });
    expect(code).toBe(1009); // Message Too Big (RFC 6455 §7.4.1)
    await legitimateClientWorks();
  });
});
