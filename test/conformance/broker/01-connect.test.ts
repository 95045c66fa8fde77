/**
 * 01 connect: protocol levels, client id rules, CONNACK codes for 3.x and v5, takeover,
 * keep-alive at 1.5x, v5 server keep-alive and properties (MQTT 3.1.1 §3.1-3.2, MQTT 5 §3.1-3.2).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker, waitForLog } from '../../helpers/mqtt/harness.js';
import { publish } from '../../helpers/mqtt/raw-broker.js';
import { RawClient } from '../../helpers/mqtt/raw-client.js';

let t: TestBroker;
const clients: RawClient[] = [];
async function open(version: 3 | 4 | 5 = 4): Promise<RawClient> {
  const c = await RawClient.open(t.port, version);
  clients.push(c);
  return c;
}
async function connected(version: 3 | 4 | 5, clientId: string, extra: Record<string, unknown> = {}) {
  const r = await RawClient.connected(t.port, version, clientId, extra);
  clients.push(r.client);
  return r;
}

beforeEach(async () => {
  t = await startTestBroker({ connectTimeoutMs: 500 });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await t.close();
});

describe('01 connect', () => {
  it('01-01 accepts 3.1 (MQIsdp/3), 3.1.1 and 5 with CONNACK success', async () => {
    for (const v of [3, 4, 5] as const) {
      const { connack } = await connected(v, `c-v${v}`);
      expect(connack).toMatchObject({ cmd: 'connack', sessionPresent: false });
      expect(v === 5 ? connack.reasonCode : connack.returnCode).toBe(0);
    }
  });

  it('01-02 unknown protocol level gets CONNACK 0x01 and the close [MQTT-3.1.2-2]', async () => {
    const c = await open(4);
    // CONNECT, "MQTT", level 6, clean, keepalive 60, client id "x"
    c.send([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 6, 0x02, 0, 60, 0, 1, 0x78]);
    const connack = await c.expect('connack');
    expect(connack.returnCode).toBe(1);
    await c.expectClosed();
    await waitForLog(t.logs, /unsupported protocol 'MQTT' level 6/);
  });

  it('01-03 3.1.1 empty client id with clean session gets an assigned id', async () => {
    const { connack } = await connected(4, '');
    expect(connack.returnCode).toBe(0);
    await waitForLog(t.logs, /New client connected from 127\.0\.0\.1:\d+ as auto-/);
  });

  it('01-04 3.1.1 empty client id without clean session: CONNACK 0x02 [MQTT-3.1.3-8]', async () => {
    const c = await open(4);
    // CONNECT, "MQTT", level 4, flags 0 (no clean session), keepalive 60, client id ""
    c.send([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x00, 0, 60, 0, 0]);
    expect((await c.expect('connack')).returnCode).toBe(2);
    await c.expectClosed();
  });

  it('01-05 v5 empty client id gets the Assigned Client Identifier property', async () => {
    const { connack } = await connected(5, '');
    expect(connack.reasonCode).toBe(0);
    expect(connack.properties?.assignedClientIdentifier).toMatch(/^auto-/);
  });

  it('01-06 3.1 client ids: empty is refused with 0x02; longer than 23 accepted, as mosquitto 2.0.11 does', async () => {
    const empty = await open(3);
    // CONNECT "MQIsdp" level 3, clean session, keep-alive 60, empty client id
    empty.send([0x10, 14, 0, 6, 0x4d, 0x51, 0x49, 0x73, 0x64, 0x70, 3, 0x02, 0, 60, 0, 0]);
    expect((await empty.expect('connack')).returnCode).toBe(2);
    await empty.expectClosed();
    const { connack } = await connected(3, 'x'.repeat(24));
    expect(connack.returnCode).toBe(0);
  });

  it('01-07 a second CONNECT is a protocol error: v5 DISCONNECT 0x82, then the close [MQTT-3.1.0-2]', async () => {
    const { client } = await connected(5, 'twice');
    client.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: 'twice',
      clean: true,
      keepalive: 60,
    });
    expect((await client.expect('disconnect')).reasonCode).toBe(0x82);
    await client.expectClosed();
    expect(client.pending()).toEqual([]);
    await waitForLog(
      t.logs,
      /Client twice from 127\.0\.0\.1:\d+: second CONNECT \[MQTT-3\.1\.0-2\]; closing \(0x82 ProtocolError\)/,
    );
  });

  it('01-08 a second CONNECT on 3.1.1 closes the connection (no packet: 3.1.1 has no DISCONNECT to send)', async () => {
    const { client } = await connected(4, 'twice4');
    client.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: 'twice4',
      clean: true,
      keepalive: 60,
    });
    await client.expectClosed();
    expect(client.pending()).toEqual([]);
  });

  it('01-09 takeover: the old v5 connection gets DISCONNECT 0x8E', async () => {
    const first = await connected(5, 'same');
    await connected(5, 'same');
    expect((await first.client.expect('disconnect')).reasonCode).toBe(0x8e);
    await first.client.expectClosed();
  });

  it('01-10 takeover: the old 3.1.1 connection is closed', async () => {
    const first = await connected(4, 'same4');
    await connected(4, 'same4');
    await first.client.expectClosed();
  });

  it('01-11 keep-alive enforced at 1.5x: a silent client is closed (no DISCONNECT, as mosquitto) [MQTT-3.1.2-24]', async () => {
    const { client } = await connected(5, 'sleepy', { keepalive: 1 });
    await client.expectClosed(3000);
    expect(client.pending()).toEqual([]);
    await waitForLog(t.logs, /Client sleepy has exceeded timeout/);
  });

  it('01-12 PINGREQ keeps a client alive and is answered by PINGRESP', async () => {
    const { client } = await connected(4, 'pinger', { keepalive: 1 });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 400));
      client.send({ cmd: 'pingreq' });
      await client.expect('pingresp');
    }
    expect(client.isClosed).toBe(false);
  });

  it('01-13 a socket that never sends CONNECT is closed after the connect timeout', async () => {
    const c = await open(4);
    await c.expectClosed(3000);
    await waitForLog(t.logs, /sent no CONNECT within 500 ms/);
  });

  it('01-14 CONNECT with an authentication method: v5 CONNACK 0x8C (enhanced auth unsupported)', async () => {
    const c = await open(5);
    c.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: 'auth',
      clean: true,
      keepalive: 60,
      properties: { authenticationMethod: 'SCRAM-SHA-1' },
    });
    expect((await c.expect('connack')).reasonCode).toBe(0x8c);
    await c.expectClosed();
  });

  it('01-15 v5 CONNACK announces the front end limits', async () => {
    await t.close();
    t = await startTestBroker({
      serverKeepAlive: 30,
      receiveMaximum: 50,
      topicAliasMaximum: 7,
      maxPacketSize: 10_000,
      maximumQos: 1,
      retainAvailable: false,
    });
    const { connack } = await connected(5, 'limits');
    expect(connack.properties).toMatchObject({
      serverKeepAlive: 30,
      receiveMaximum: 50,
      topicAliasMaximum: 7,
      maximumPacketSize: 10_000,
      maximumQoS: 1,
      retainAvailable: false,
    });
    await waitForLog(t.logs, /as limits \(p5, c1, k30\)/);
  });

  it('01-16 v5 receive maximum 0 is a protocol error (CONNACK 0x82)', async () => {
    const c = await open(5);
    c.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: 'rm0',
      clean: true,
      keepalive: 60,
      properties: { receiveMaximum: 0 },
    });
    expect((await c.expect('connack')).reasonCode).toBe(0x82);
    await c.expectClosed();
  });

  it('01-17 session present after reconnect of a persistent session (3.1.1 and v5)', async () => {
    const a = await connected(4, 'persist4', { clean: false });
    expect(a.connack.sessionPresent).toBe(false);
    a.client.send({ cmd: 'disconnect' });
    await a.client.expectClosed();
    const b = await connected(4, 'persist4', { clean: false });
    expect(b.connack.sessionPresent).toBe(true);

    const c = await connected(5, 'persist5', { clean: true, properties: { sessionExpiryInterval: 60 } });
    expect(c.connack.sessionPresent).toBe(false);
    c.client.send({ cmd: 'disconnect', reasonCode: 0 });
    await c.client.expectClosed();
    const d = await connected(5, 'persist5', { clean: false, properties: { sessionExpiryInterval: 60 } });
    expect(d.connack.sessionPresent).toBe(true);
  });

  it('01-18 the authentication hook: bad password 0x86 / rc 4, anonymous refused 0x87 / rc 5', async () => {
    await t.close();
    t = await startTestBroker({
      authenticate: (r) => {
        if (r.username === undefined)
          return { ok: false, reason: 0x87, why: 'anonymous clients are not allowed' };
        if (r.password?.toString() !== 'secret') return { ok: false, reason: 0x86, why: 'bad password' };
        return { ok: true, username: r.username };
      },
    });
    const good = await connected(5, 'alice', { username: 'alice', password: Buffer.from('secret') });
    expect(good.connack.reasonCode).toBe(0);
    await waitForLog(t.logs, /as alice \(p5, c1, k60, u'alice'\)/);
    for (const v of [4, 5] as const) {
      const bad = await open(v);
      bad.send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: v,
        clientId: `mallory${v}`,
        clean: true,
        keepalive: 60,
        username: 'mallory',
        password: Buffer.from('guess'),
      });
      const refused = await bad.expect('connack');
      expect(v === 5 ? refused.reasonCode : refused.returnCode).toBe(v === 5 ? 0x86 : 4);
      await bad.expectClosed();
      const anon = await open(v);
      anon.send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: v,
        clientId: `anon${v}`,
        clean: true,
        keepalive: 60,
      });
      const anonAck = await anon.expect('connack');
      expect(v === 5 ? anonAck.reasonCode : anonAck.returnCode).toBe(v === 5 ? 0x87 : 5);
    }
    await waitForLog(t.logs, /Client mallory4 from 127\.0\.0\.1:\d+: not authorised: bad password/);
  });

  it('01-19 MQTT 3.1 keeps its session but never sets the reserved Session Present bit', async () => {
    const a = await connected(3, 'old31', { clean: false });
    a.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x', qos: 1 }] });
    await a.client.expect('suback');
    a.client.send({ cmd: 'disconnect' });
    await a.client.expectClosed();
    const b = await connected(3, 'old31', { clean: false });
    expect(b.connack.sessionPresent).toBe(false);
    const p = await connected(4, 'pub31');
    p.client.send(publish('x', 'kept', 1, 1));
    expect((await b.client.expect('publish')).payload.toString()).toBe('kept');
  });
});
