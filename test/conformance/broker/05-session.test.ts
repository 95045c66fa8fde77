/**
 * 05 session: clean session / clean start, offline queueing for persistent sessions (QoS 0 not
 * queued by default, as mosquitto), session expiry, v5 DISCONNECT changing it, QoS 2 across a
 * reconnect between PUBREC and PUBREL (MQTT 3.1.1 §3.1.2.4, §4.1; MQTT 5 §3.1.2.11.2).
 */
import { describe, expect, it } from 'vitest';
import { brokerForEachTest, persistent } from '../../helpers/mqtt/raw-broker.js';

const t = brokerForEachTest();
const connected = t.connected.bind(t);

describe.each([4, 5] as const)('05 session, protocol %i', (v) => {
  it('05-01 a persistent session queues QoS 1 while offline, not QoS 0', async () => {
    const { client: sub } = await connected(v, `ps${v}`, persistent(v));
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q', qos: 1 }] });
    await sub.expect('suback');
    sub.send({ cmd: 'disconnect' });
    await sub.expectClosed();

    const { client: pub } = await connected(v, `pp${v}`);
    pub.send({ cmd: 'publish', topic: 'q', payload: Buffer.from('zero'), qos: 0, retain: false, dup: false });
    pub.send({
      cmd: 'publish',
      topic: 'q',
      payload: Buffer.from('one'),
      qos: 1,
      retain: false,
      dup: false,
      messageId: 1,
    });
    await pub.expect('puback');

    const back = await connected(v, `ps${v}`, persistent(v));
    expect(back.connack.sessionPresent).toBe(true);
    const got = await back.client.expect('publish');
    expect(got.payload.toString()).toBe('one');
    expect(got.qos).toBe(1);
    back.client.send({ cmd: 'puback', messageId: got.messageId! });
    await back.client.expectSilence(200);
  });

  it('05-02 a clean session forgets subscriptions', async () => {
    const { client: sub } = await connected(v, `cs${v}`);
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'c', qos: 1 }] });
    await sub.expect('suback');
    sub.send({ cmd: 'disconnect' });
    await sub.expectClosed();
    const back = await connected(v, `cs${v}`);
    expect(back.connack.sessionPresent).toBe(false);
    const { client: pub } = await connected(v, `cp${v}`);
    pub.send({
      cmd: 'publish',
      topic: 'c',
      payload: Buffer.from('x'),
      qos: 1,
      retain: false,
      dup: false,
      messageId: 1,
    });
    await pub.expect('puback');
    await back.client.expectSilence(200);
  });

  it('05-03 QoS 2 from a client survives a reconnect between PUBREC and PUBREL without duplicates', async () => {
    const { client: sub } = await connected(v, `q2s${v}`);
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x2', qos: 0 }] });
    await sub.expect('suback');
    const { client: pub } = await connected(v, `q2p${v}`, persistent(v));
    pub.send({
      cmd: 'publish',
      topic: 'x2',
      payload: Buffer.from('once'),
      qos: 2,
      retain: false,
      dup: false,
      messageId: 77,
    });
    await pub.expect('pubrec');
    pub.destroy();
    await pub.closed;
    const { client: again } = await connected(v, `q2p${v}`, persistent(v));
    again.send({
      cmd: 'publish',
      topic: 'x2',
      payload: Buffer.from('once'),
      qos: 2,
      retain: false,
      dup: true,
      messageId: 77,
    });
    await again.expect('pubrec');
    again.send({ cmd: 'pubrel', messageId: 77 });
    expect((await again.expect('pubcomp')).messageId).toBe(77);
    expect((await sub.expect('publish')).payload.toString()).toBe('once');
    await sub.expectSilence(200);
  });
});

describe('05 session, v5 expiry', () => {
  it('05-04 session expiry 0 on DISCONNECT ends a v5 session', async () => {
    const { client } = await connected(5, 'exp', persistent(5));
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'e', qos: 1 }] });
    await client.expect('suback');
    client.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    await client.expectClosed();
    const back = await connected(5, 'exp', persistent(5));
    expect(back.connack.sessionPresent).toBe(false);
  });

  it('05-05 raising session expiry from 0 on DISCONNECT is a protocol error [MQTT-3.14.2-2]', async () => {
    const { client } = await connected(5, 'exp0');
    client.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 30 } });
    expect((await client.expect('disconnect')).reasonCode).toBe(0x82);
    await client.expectClosed();
  });
});
