/**
 * 12 what the server says when it ends things, and what it publishes about itself: v5 server
 * DISCONNECT on shutdown (0x8B), reason strings on server DISCONNECT and refusing CONNACK (MQTT 5
 * §3.14.2.2.3, §3.2.2.3.9; left out past the client's Maximum Packet Size [MQTT-3.14.2-3]),
 * peers named as mosquitto names them (IPv4 on a dual-stack listener without `::ffff:`), and
 * the `$SYS/broker/...` statistics issue 2 lists, at a configurable interval.
 */
import { describe, expect, it } from 'vitest';
import { createBroker } from '../../../src/broker/index.js';
import { startMqttListener } from '../../../src/mqtt/listener.js';
import { createLogger } from '../../../src/observe/logger.js';
import { waitForLog } from '../../helpers/mqtt/harness.js';
import { endAll, mqttjs } from '../../helpers/mqtt/mqttjs.js';
import { brokerStartedByEachTest, publish } from '../../helpers/mqtt/raw-broker.js';
import { RawClient } from '../../helpers/mqtt/raw-client.js';

const t = brokerStartedByEachTest();
const connected = t.connected.bind(t);

/** The CONNACK to a v5 CONNECT (clean start, keep-alive 60 s) that the broker refuses. */
async function refusedConnack(connect: { clientId: string; properties?: { maximumPacketSize: number } }) {
  const c = t.keep(await RawClient.open(t.port, 5));
  c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 60, ...connect });
  return c.expect('connack');
}

describe('12 server DISCONNECT and reason strings (v5)', () => {
  it('12-01 listener shutdown: v5 DISCONNECT 0x8B with a reason string; 3.1.1 just closed; no will', async () => {
    await t.start();
    const { client: v5 } = await connected(5, 'down5', {
      will: { topic: 'will/down5', payload: Buffer.from('x'), qos: 0, retain: false },
    });
    const { client: v4 } = await connected(4, 'down4');
    await t.listener.close();
    const d = await v5.expect('disconnect');
    expect(d.reasonCode).toBe(0x8b);
    expect(d.properties?.reasonString).toBe('server shutting down');
    await v5.expectClosed();
    await v4.expectClosed();
    expect(v4.pending()).toEqual([]);
    expect(t.broker.metrics.messagesReceived).toBe(0); // the will was kept, not published
  });

  it('12-02 takeover DISCONNECT 0x8E carries a reason string', async () => {
    await t.start();
    const { client: old } = await connected(5, 'taken');
    await connected(5, 'taken');
    const d = await old.expect('disconnect');
    expect(d.reasonCode).toBe(0x8e);
    expect(d.properties?.reasonString).toBe('session taken over by a new connection');
  });

  it('12-03 a protocol error DISCONNECT names the reason, the same as the log line', async () => {
    await t.start();
    const { client } = await connected(5, 'wild');
    client.send(publish('a/#', 'x', 0));
    const d = await client.expect('disconnect');
    expect(d.reasonCode).toBe(0x82);
    expect(d.properties?.reasonString).toMatch(/wildcard in topic name/);
    const line = await waitForLog(t.logs, /Client wild from 127\.0\.0\.1:\d+: .*wildcard in topic name/);
    expect(line).toContain(d.properties?.reasonString);
  });

  it('12-04 a refusing v5 CONNACK carries the reason string', async () => {
    await t.start({
      authenticate: () => ({ ok: false, reason: 0x86, why: 'bad password' }),
    });
    const connack = await refusedConnack({ clientId: 'refused' });
    expect(connack.reasonCode).toBe(0x86);
    expect(connack.properties?.reasonString).toBe('not authorised: bad password');
  });

  it("12-05 no reason string where it would exceed the client's Maximum Packet Size", async () => {
    await t.start();
    const { client } = await connected(5, 'tiny', { properties: { maximumPacketSize: 16 } });
    client.send(publish('a/+', 'x', 0));
    const d = await client.expect('disconnect');
    expect(d.reasonCode).toBe(0x82);
    expect(d.properties?.reasonString).toBeUndefined();
  });

  it("12-09 no reason string on a refusing CONNACK past the client's Maximum Packet Size", async () => {
    await t.start({
      authenticate: () => ({
        ok: false,
        reason: 0x87,
        why: 'a reason far longer than the client would take',
      }),
    });
    const connack = await refusedConnack({ clientId: 'small', properties: { maximumPacketSize: 20 } });
    expect(connack.reasonCode).toBe(0x87);
    expect(connack.properties?.reasonString).toBeUndefined();
  });

  it('12-06 MQTT.js sees the server DISCONNECT reason code and string', async () => {
    await t.start({ maxPacketSize: 200 });
    const c = await mqttjs(t.port, { protocolVersion: 5, clientId: 'js-big' });
    try {
      const disconnect = new Promise<{ reasonCode?: number; properties?: { reasonString?: string } }>(
        (resolve) => c.once('disconnect', resolve),
      );
      c.publish('big', Buffer.alloc(500));
      const d = await disconnect;
      expect(d.reasonCode).toBe(0x95);
      expect(d.properties?.reasonString).toMatch(/over maximum 200/);
    } finally {
      await endAll(c);
    }
  });
});

describe('12 peer names in log lines', () => {
  it('12-07 an IPv4 client of a dual-stack listener is logged as 127.0.0.1:port; IPv6 as [::1]:port', async () => {
    const logs: string[] = [];
    const logger = createLogger('info', (line) => logs.push(line));
    const broker = createBroker({ sysInterval: 0 }, { logger });
    const listener = await startMqttListener({ port: 0, host: '::' }, broker, {}, logger);
    const clients: RawClient[] = [];
    try {
      const { client } = await RawClient.connected(listener.port, 4, 'v4peer');
      clients.push(client);
      const v4line = await waitForLog(logs, /as v4peer/);
      expect(v4line).toMatch(/New client connected from 127\.0\.0\.1:\d+ as v4peer/);
      expect(logs.join('\n')).not.toContain('::ffff:');
      client.send([0x30, 4, 0, 1, 0x23, 0x78]); // PUBLISH to "#": the failure line names the peer too
      await client.expectClosed();
      expect(await waitForLog(logs, /Client v4peer from/)).toMatch(/from 127\.0\.0\.1:\d+: /);

      const v6 = await RawClient.openAt(listener.port, '::1', 4);
      clients.push(v6);
      v6.send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: 'v6peer',
        clean: true,
        keepalive: 60,
      });
      await v6.expect('connack');
      expect(await waitForLog(logs, /as v6peer/)).toMatch(/New client connected from \[::1\]:\d+ as v6peer/);
    } finally {
      for (const c of clients) c.destroy();
      await listener.close();
      await broker.close();
    }
  });
});

/** mosquitto's names for what issue 2 asks: version, uptime, clients, messages, bytes, subscriptions, retained. */
const SYS_TOPICS = [
  '$SYS/broker/version',
  '$SYS/broker/uptime',
  '$SYS/broker/clients/connected',
  '$SYS/broker/clients/total',
  '$SYS/broker/messages/received',
  '$SYS/broker/messages/sent',
  '$SYS/broker/bytes/received',
  '$SYS/broker/bytes/sent',
  '$SYS/broker/subscriptions/count',
  '$SYS/broker/retained messages/count',
];

describe.each([4, 5] as const)('12 $SYS statistics, protocol %i', (v) => {
  it('12-08 every listed $SYS/broker topic, retained, and refreshed at the configured 1 s interval', async () => {
    await t.start({}, { sysInterval: 1, version: 'mqttsn-gateway conformance' });
    const { client: pub } = await connected(v, `sysp${v}`);
    pub.send({
      cmd: 'publish',
      topic: 'kept',
      payload: Buffer.from('r'),
      qos: 1,
      messageId: 1,
      retain: true,
      dup: false,
    });
    await pub.expect('puback');
    const { client } = await connected(v, `sys${v}`);
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$SYS/broker/#', qos: 0 }] });
    await client.expect('suback');
    const latest = new Map<string, string>();
    const uptimes: string[] = [];
    const num = (topic: string) => Number(latest.get(`$SYS/broker/${topic}`) ?? -1);
    // Retained values come at once; the next intervals bring the counts that include us.
    const done = () =>
      SYS_TOPICS.every((topic) => latest.has(topic)) &&
      uptimes.length >= 2 &&
      num('clients/connected') >= 2 &&
      num('clients/total') >= 2 &&
      num('subscriptions/count') >= 1 &&
      num('messages/received') >= 1 &&
      num('messages/sent') >= 1 &&
      num('bytes/received') > 0 &&
      num('bytes/sent') > 0 &&
      num('retained messages/count') >= 1;
    const deadline = Date.now() + 8000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`$SYS incomplete: ${JSON.stringify([...latest])}`);
      const p = await client.expect('publish', 4000);
      if (latest.size === 0) expect(p.retain).toBe(true); // the current values, retained
      latest.set(p.topic, p.payload.toString());
      if (p.topic === '$SYS/broker/uptime') uptimes.push(p.payload.toString());
    }
    expect(latest.get('$SYS/broker/version')).toBe('mqttsn-gateway conformance');
    expect(uptimes[uptimes.length - 1]).toMatch(/^\d+ seconds$/);
    expect(new Set(uptimes).size).toBe(uptimes.length); // each interval publishes a new uptime
  });
});
