/**
 * 03 publish QoS: QoS 0/1/2 in both directions, packet ids, acks only once durable, v5 ack
 * reason codes, DUP redelivery, no duplicates at QoS 2 (MQTT 3.1.1 §4.3, MQTT 5 §4.3).
 */
import { describe, expect, it } from 'vitest';
import { waitForLog } from '../../helpers/mqtt/harness.js';
import { collect, endAll, mqttjs } from '../../helpers/mqtt/mqttjs.js';
import { brokerForEachTest, publish } from '../../helpers/mqtt/raw-broker.js';
import type { RawClient } from '../../helpers/mqtt/raw-client.js';

const t = brokerForEachTest();
async function connected(version: 4 | 5, clientId: string, extra: Record<string, unknown> = {}) {
  return (await t.connected(version, clientId, extra)).client;
}
async function subscribe(c: RawClient, topic: string, qos: 0 | 1 | 2): Promise<void> {
  c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] });
  await c.expect('suback');
}

describe.each([4, 5] as const)('03 publish QoS, protocol %i', (v) => {
  it('03-01 QoS 1 in: PUBACK with the packet id; delivered at min(sub, msg) QoS', async () => {
    const sub = await connected(v, `s${v}`);
    await subscribe(sub, 'q/1', 1);
    const pub = await connected(v, `p${v}`);
    pub.send(publish('q/1', 'one', 1, 42));
    const puback = await pub.expect('puback');
    expect(puback.messageId).toBe(42);
    const got = await sub.expect('publish');
    expect(got).toMatchObject({ topic: 'q/1', qos: 1 });
    expect(got.messageId).toBeGreaterThan(0);
    sub.send({ cmd: 'puback', messageId: got.messageId! });
  });

  it('03-02 QoS 2 in: PUBREC, PUBREL, PUBCOMP; a re-sent PUBLISH before PUBREL is not routed twice', async () => {
    const sub = await connected(v, `s2${v}`);
    await subscribe(sub, 'q/2', 2);
    const pub = await connected(v, `p2${v}`);
    pub.send(publish('q/2', 'two', 2, 9));
    expect((await pub.expect('pubrec')).messageId).toBe(9);
    pub.send({ ...publish('q/2', 'two', 2, 9), dup: true });
    expect((await pub.expect('pubrec')).messageId).toBe(9);
    pub.send({ cmd: 'pubrel', messageId: 9 });
    expect((await pub.expect('pubcomp')).messageId).toBe(9);
    const got = await sub.expect('publish');
    expect(got).toMatchObject({ topic: 'q/2', qos: 2 });
    sub.send({ cmd: 'pubrec', messageId: got.messageId! });
    expect((await sub.expect('pubrel')).messageId).toBe(got.messageId);
    sub.send({ cmd: 'pubcomp', messageId: got.messageId! });
    await sub.expectSilence(200);
  });

  it('03-03 QoS 0 to a QoS 2 subscription arrives at QoS 0; QoS 2 to a QoS 0 subscription at QoS 0', async () => {
    const sub = await connected(v, `s3${v}`);
    await subscribe(sub, 'a', 2);
    sub.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'b', qos: 0 }] });
    await sub.expect('suback');
    const pub = await connected(v, `p3${v}`);
    pub.send(publish('a', 'x', 0));
    pub.send(publish('b', 'y', 2, 5));
    await pub.expect('pubrec');
    pub.send({ cmd: 'pubrel', messageId: 5 });
    expect(await sub.expect('publish')).toMatchObject({ topic: 'a', qos: 0 });
    expect(await sub.expect('publish')).toMatchObject({ topic: 'b', qos: 0 });
  });

  it('03-04 MQTT.js round trip at every QoS keeps per-topic order within each QoS', async () => {
    const sub = await mqttjs(t.port, { protocolVersion: v, clientId: `js-s${v}` });
    const pub = await mqttjs(t.port, { protocolVersion: v, clientId: `js-p${v}` });
    try {
      await sub.subscribeAsync('order', { qos: 2 });
      const got = collect(sub, 30);
      for (let i = 0; i < 30; i++) pub.publish('order', `${i}`, { qos: (i % 3) as 0 | 1 | 2 });
      // QoS 2 is routed at PUBREL (as mosquitto does), so order holds per QoS level.
      const messages = await got;
      for (const qos of [0, 1, 2]) {
        const expected = Array.from({ length: 10 }, (_, i) => `${i * 3 + qos}`);
        expect(messages.filter((m) => Number(m.payload) % 3 === qos).map((m) => m.payload)).toEqual(expected);
      }
    } finally {
      await endAll(sub, pub);
    }
  });

  it('03-05 a QoS 1 delivery not acknowledged is re-sent with DUP after reconnect', async () => {
    const sub = await connected(v, `dup${v}`, {
      clean: v !== 4,
      ...(v === 5 ? { properties: { sessionExpiryInterval: 60 } } : {}),
    });
    await subscribe(sub, 'd', 1);
    const pub = await connected(v, `dp${v}`);
    pub.send(publish('d', 'again', 1, 3));
    await pub.expect('puback');
    const first = await sub.expect('publish');
    expect(first.dup).toBe(false);
    sub.destroy();
    await sub.closed;
    const again = await connected(v, `dup${v}`, {
      clean: false,
      ...(v === 5 ? { properties: { sessionExpiryInterval: 60 } } : {}),
    });
    const second = await again.expect('publish');
    expect(second).toMatchObject({ topic: 'd', dup: true, messageId: first.messageId });
    expect(second.payload.toString()).toBe('again');
  });
});

describe('03 publish QoS, v5 reason codes and trace', () => {
  it('03-06 v5 PUBACK says 0x10 when no subscriber matched', async () => {
    const pub = await connected(5, 'lonely');
    pub.send(publish('nobody/listens', 'x', 1, 1));
    expect((await pub.expect('puback')).reasonCode).toBe(0x10);
  });

  it('03-07 -v trace of a QoS 1 publish looks like mosquitto -v', async () => {
    const pub = await connected(4, 'client1');
    pub.send(publish('a/b', 'hello', 1, 1));
    await pub.expect('puback');
    await waitForLog(t.logs, /Received PUBLISH from client1 \(d0, q1, r0, m1, 'a\/b', \.\.\. \(5 bytes\)\)$/);
    await waitForLog(t.logs, /Sending PUBACK to client1 \(m1, rc0\)$/);
  });

  it('03-09 -v trace of a delivery, and bytes counted into broker metrics', async () => {
    const sub = await connected(4, 'client2');
    await subscribe(sub, 'm/t', 0);
    const before = { ...t.broker.metrics };
    const pub = await connected(4, 'client3');
    pub.send(publish('m/t', 'abc', 0));
    await sub.expect('publish');
    await waitForLog(t.logs, /Sending PUBLISH to client2 \(d0, q0, r0, m0, 'm\/t', \.\.\. \(3 bytes\)\)$/);
    expect(t.broker.metrics.bytesReceived).toBeGreaterThan(before.bytesReceived);
    expect(t.broker.metrics.bytesSent).toBeGreaterThan(before.bytesSent);
  });

  it('03-10 not authorized: v5 PUBACK 0x87 and SUBACK 0x87; 3.1.1 SUBACK 0x80', async () => {
    await t.close();
    const authorizer = {
      canPublish: (_id: string, _user: string | undefined, topic: string) => !topic.startsWith('secret'),
      canSubscribe: (_id: string, _user: string | undefined, filter: string) => !filter.startsWith('secret'),
      canRead: () => true,
    };
    await t.start({}, { authorizer });
    const c5 = await connected(5, 'deny5');
    c5.send(publish('secret/x', 'no', 1, 1));
    expect((await c5.expect('puback')).reasonCode).toBe(0x87);
    c5.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'secret/#', qos: 0 }] });
    expect((await c5.expect('suback')).granted).toEqual([0x87]);
    const c4 = await connected(4, 'deny4');
    c4.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'secret/#', qos: 0 }] });
    expect((await c4.expect('suback')).granted).toEqual([0x80]);
  });

  it('03-08 QoS above the maximum QoS: v5 DISCONNECT 0x9B', async () => {
    await t.close();
    await t.start({ maximumQos: 1 });
    const pub = await connected(5, 'q2');
    pub.send(publish('x', 'y', 2, 1));
    expect((await pub.expect('disconnect')).reasonCode).toBe(0x9b);
    await pub.expectClosed();
  });
});
