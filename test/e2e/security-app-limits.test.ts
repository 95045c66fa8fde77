/**
 * Every limit of issue 7 through the whole application (startGateway from a gateway.conf), each
 * with its documented outcome (docs/security.md) and its counter where a user reads it — the
 * retained `$SYS/broker/security/...` topics (`$SYS/broker/publish/messages/dropped` for the
 * queue) or, for connect_timeout and max_packet_size, the log line — while a legitimate client
 * keeps working.
 */
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import mqttPacket from 'mqtt-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReturnCode } from '../../src/codec/mqttsn/index.js';
import { SnTestClient } from '../helpers/mqttsn/sn-client.js';
import { AppTestKit, closed } from '../unit/security/app-harness.js';
import { makeTestCerts, type TestCerts } from '../unit/security/certs.js';
import { run, waitFor, waitForLog } from '../unit/security/secure-harness.js';

let certs: TestCerts;
const kit = new AppTestKit(() => certs);
const snClients: SnTestClient[] = [];
const SEC = '$SYS/broker/security/';

beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs.cleanup());
afterEach(async () => {
  for (const c of snClients.splice(0)) await c.close();
  await kit.cleanup();
});

describe('max_subscriptions_per_client', () => {
  it('a new filter beyond it gets 0x97 (v5), 0x80 (3.1.1), MQTT-SN congestion; replacing one is allowed; counted', async () => {
    const t = await kit.start(['max_subscriptions_per_client 2', 'sys_interval 1']);
    const sys = await kit.sysReader(t); // itself subscribed to one filter: within the limit
    const v5 = await kit.client(`ws://127.0.0.1:${t.port('ws')}`, { protocolVersion: 5, clientId: 'v5' });
    expect((await v5.subscribeAsync(['a/1', 'a/2'])).map((g) => g.qos)).toEqual([0, 0]);
    await expect(v5.subscribeAsync('a/3')).rejects.toThrow(/Quota exceeded/i);
    // Replacing an existing filter (new QoS) is not a new subscription.
    expect((await v5.subscribeAsync('a/1', { qos: 1 }))[0]?.qos).toBe(1);
    await waitForLog(
      t.logs,
      /Client v5 \(127\.0\.0\.1:\d+\) SUBSCRIBE "a\/3" refused: max_subscriptions_per_client \(2\) reached/,
    );

    const sub = await run('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(t.port('tcp')), '-i', 'v311'],
      ...['-t', 'b/1', '-t', 'b/2', '-t', 'b/3', '-d', '-W', '1'],
    ]);
    expect(sub.stdout).toMatch(/Subscribed \(mid: 1\): 0, 0, 128/);

    const sn = await SnTestClient.open({ port: t.port('mqttsn') });
    snClients.push(sn);
    expect(await sn.connect('sn-subs')).toBe(ReturnCode.ACCEPTED);
    for (const [msgId, name, code] of [
      [1, 'c/1', ReturnCode.ACCEPTED],
      [2, 'c/2', ReturnCode.ACCEPTED],
      [3, 'c/3', ReturnCode.CONGESTION],
    ] as const) {
      sn.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId, topic: { type: 'name', name } });
      expect((await sn.expect('SUBACK')).returnCode).toBe(code);
    }
    await sys.reads(`${SEC}subscriptions/refused/max_subscriptions_per_client`, '3');
    await kit.legitimateClientWorks(t);
  });
});

describe('connection limits through the app', () => {
  it('max_connections_per_address: the extra connection is refused, logged and counted; other addresses served', async () => {
    const t = await kit.start(['max_connections_per_address 2', 'sys_interval 1']);
    const sys = await kit.sysReader(t);
    const held = await Promise.all([1, 2].map(() => kit.rawTcp(t.port('ws'), '127.0.0.4')));
    // The client side connects before the server accepts: the second refusal proves both are held.
    await sys.reads(`${SEC}connections/accepted`, '3');
    const extra = await kit.rawTcp(t.port('tls'), '127.0.0.4');
    await closed(extra);
    await waitForLog(
      t.logs,
      /TLS listener on port 0: connection from 127\.0\.0\.4:\d+ refused: max_connections_per_address \(2\) reached\./,
    );
    await sys.reads(`${SEC}connections/refused/max_connections_per_address`, '1');
    await kit.legitimateClientWorks(t, '127.0.0.2');
    expect(held.every((s) => !s.destroyed)).toBe(true);
  });

  it('connection_rate: a CONNECT flood with mosquitto_pub from one address is refused beyond it, counted', async () => {
    const t = await kit.start(['connection_rate 3', 'sys_interval 1']);
    const sys = await kit.sysReader(t);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        run('mosquitto_pub', [
          ...['-h', '127.0.0.1', '-p', String(t.port('tcp')), '-A', '127.0.0.8'],
          ...['-i', `flood-${i}`, '-t', 'flood', '-m', String(i)],
        ]),
      ),
    );
    const refused = results.filter((r) => r.code !== 0).length;
    // The bucket holds 3: 12 at once cannot all get through however fast the machine is.
    expect(refused).toBeGreaterThan(0);
    await waitForLog(
      t.logs,
      /MQTT listener on port \d+: connection from 127\.0\.0\.8:\d+ refused: connection_rate \(3\/s\) exceeded\./,
    );
    await sys.reads(`${SEC}connections/refused/connection_rate`, String(refused));
    await kit.legitimateClientWorks(t, '127.0.0.2');
  });

  it('max_connections: a connection beyond it is refused; the connected client keeps being served', async () => {
    const t = await kit.start(['max_connections 3', 'sys_interval 1']);
    const sys = await kit.sysReader(t); // the legitimate client: connection 1
    await kit.rawTcp(t.port('ws'), '127.0.0.5');
    await kit.rawTcp(t.port('tcp'), '127.0.0.6');
    await sys.reads(`${SEC}connections/accepted`, '3');
    const fourth = await kit.rawTcp(t.port('tls'), '127.0.0.7');
    await closed(fourth);
    await waitForLog(t.logs, /connection from 127\.0\.0\.7:\d+ refused: max_connections \(3\) reached\./);
    // The reader still gets $SYS updates: it is still served.
    await sys.reads(`${SEC}connections/refused/max_connections`, '1');
  });
});

describe('connect_timeout (slow loris) through the app', () => {
  it('idle sockets on every listener are closed and logged; a legitimate client is served meanwhile', async () => {
    const t = await kit.start(['connect_timeout 1']);
    const idle = [
      ...(await Promise.all([1, 2].map(() => kit.rawTcp(t.port('tcp'))))),
      ...(await Promise.all([1, 2].map(() => kit.rawTcp(t.port('tls'))))), // never start TLS
      ...(await Promise.all([1, 2].map(() => kit.rawTcp(t.port('ws'))))),
    ];
    // A WebSocket upgrade request whose headers never end.
    idle[4]?.write('GET / HTTP/1.1\r\nHost: x\r\n');
    // TLS done, then no CONNECT.
    const tlsIdle = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ port: t.port('tls'), host: '127.0.0.1', ca: readFileSync(certs.ca) }, () =>
        resolve(s),
      );
      s.resume();
      s.on('error', reject);
    });
    await kit.legitimateClientWorks(t);
    await Promise.all([...idle, tlsIdle as net.Socket].map(closed));
    await waitForLog(
      t.logs,
      /Client <unknown> \(127\.0\.0\.1:\d+\) sent no CONNECT within 1000 ms, closing\./,
    );
    await waitForLog(t.logs, /TLS handshake with 127\.0\.0\.1:\d+ failed: TLS handshake timeout/);
    await kit.legitimateClientWorks(t);
  });
});

describe('max_packet_size through the app', () => {
  it('an oversized PUBLISH from mosquitto_pub closes that connection, logged; others served', async () => {
    const t = await kit.start(['max_packet_size 1000']);
    const big = await run('mosquitto_pub', [
      // 3.1.1 (a v5 client would learn the maximum from CONNACK and not send it), QoS 1 so
      // mosquitto_pub waits for a PUBACK that never comes: the broker closes instead.
      ...['-h', '127.0.0.1', '-p', String(t.port('tcp')), '-V', '311', '-q', '1', '-i', 'big'],
      ...['-t', 'x/y', '-m', 'x'.repeat(5000)],
    ]);
    expect(big.code).not.toBe(0);
    await waitForLog(t.logs, /big.*packet of \d+ bytes over maximum 1000/i);
    await kit.legitimateClientWorks(t);
  });
});

describe('max_topic_levels / max_topic_length through the app', () => {
  it('PUBLISH and SUBSCRIBE over a limit are refused (v5 0x87, MQTT-SN 0x03), logged and counted', async () => {
    const t = await kit.start(['max_topic_levels 3', 'max_topic_length 40', 'sys_interval 1']);
    const sys = await kit.sysReader(t);
    const c = await kit.client(`ws://127.0.0.1:${t.port('ws')}`, {
      protocolVersion: 5,
      clientId: 'deep',
    });
    await expect(c.publishAsync('a/b/c/d', 'x', { qos: 1 })).rejects.toThrow(/Not authorized/i);
    await expect(c.publishAsync(`a/${'x'.repeat(50)}`, 'x', { qos: 1 })).rejects.toThrow(/Not authorized/i);
    await expect(c.subscribeAsync('a/b/c/#')).rejects.toThrow(/Not authorized/i);
    await waitForLog(t.logs, /Client deep: PUBLISH refused: topic of 4 levels exceeds max_topic_levels 3/);
    // The same limits hold for MQTT-SN clients: SUBACK 0x03.
    const sn = await SnTestClient.open({ port: t.port('mqttsn') });
    snClients.push(sn);
    expect(await sn.connect('sn-deep')).toBe(ReturnCode.ACCEPTED);
    sn.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'name', name: 'a/b/c/#' } });
    expect((await sn.expect('SUBACK')).returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    await sys.reads(`${SEC}topics/refused/topic_limits`, '4');
  });
});

/** A raw MQTT 3.1.1 client: sees every packet, acknowledges only when told. */
async function rawMqtt(
  kitRaw: AppTestKit,
  port: number,
  clientId: string,
): Promise<{ socket: net.Socket; packets: mqttPacket.Packet[]; send(p: mqttPacket.Packet): void }> {
  const socket = await kitRaw.rawTcp(port);
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  socket.on('data', (d) => parser.parse(d));
  const send = (p: mqttPacket.Packet): void => {
    socket.write(mqttPacket.generate(p, { protocolVersion: 4 }));
  };
  send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId });
  await waitFor(() => packets.some((p) => p.cmd === 'connack'), 'CONNACK');
  return { socket, packets, send };
}

describe('max_inflight_messages and max_queued_messages through the app', () => {
  it('at most max_inflight unacknowledged, max_queued more waiting, the rest dropped and counted', async () => {
    const t = await kit.start(['max_inflight_messages 2', 'max_queued_messages 3', 'sys_interval 1']);
    const sys = await kit.sysReader(t);
    const slow = await rawMqtt(kit, t.port('tcp'), 'slow');
    slow.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q/t', qos: 1 }] });
    await waitFor(() => slow.packets.some((p) => p.cmd === 'suback'), 'SUBACK');
    const pub = await kit.client(`mqtt://127.0.0.1:${t.port('tcp')}`, { clientId: 'pub' });
    for (let i = 1; i <= 7; i++) await pub.publishAsync('q/t', String(i), { qos: 1 });
    // PINGRESP after every PUBLISH the broker wrote before it: the count is exact, not timed.
    slow.send({ cmd: 'pingreq' });
    await waitFor(() => slow.packets.some((p) => p.cmd === 'pingresp'), 'PINGRESP');
    const publishes = (): string[] =>
      slow.packets.flatMap((p) => (p.cmd === 'publish' ? [p.payload.toString()] : []));
    expect(publishes()).toEqual(['1', '2']);
    await sys.reads('$SYS/broker/publish/messages/dropped', '2');
    // Acknowledging lets the queued three through, in order; 6 and 7 were dropped.
    const acked = new Set<number>();
    await waitFor(() => {
      for (const p of slow.packets) {
        if (p.cmd !== 'publish' || p.messageId === undefined || acked.has(p.messageId)) continue;
        acked.add(p.messageId);
        slow.send({ cmd: 'puback', messageId: p.messageId });
      }
      return publishes().length >= 5;
    }, 'the queued messages');
    slow.send({ cmd: 'pingreq' });
    await waitFor(() => slow.packets.filter((p) => p.cmd === 'pingresp').length === 2, 'second PINGRESP');
    expect(publishes()).toEqual(['1', '2', '3', '4', '5']);
    await kit.legitimateClientWorks(t);
  });
});

describe('peers in log lines', () => {
  it('an IPv4 client of a dual-stack TLS or WebSocket listener is logged as 127.0.0.1:port', async () => {
    const t = await kit.start(['tls_listener 0 ::', 'ws_listener 0 ::']);
    const tlsPort = t.app.securePorts.tls[1]!;
    const wsPort = t.app.securePorts.ws[1]!;
    const pub = await run('mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', String(tlsPort), '--cafile', certs.ca, '-t', 'p', '-m', '1'],
    ]);
    expect(pub.code).toBe(0);
    await kit.client(`ws://127.0.0.1:${wsPort}`);
    await waitForLog(t.logs, new RegExp(`New TLS connection from 127\\.0\\.0\\.1:\\d+ on port ${tlsPort}`));
    await waitForLog(
      t.logs,
      new RegExp(`New WebSocket connection from 127\\.0\\.0\\.1:\\d+ on port ${wsPort}`),
    );
    expect(t.logs.filter((l) => l.includes('::ffff:'))).toEqual([]);
  });
});
