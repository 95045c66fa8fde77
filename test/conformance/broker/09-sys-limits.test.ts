/**
 * 09 $SYS and limits: $SYS/broker statistics over MQTT (mosquitto's names), the bytes the front
 * end counts, per-session queue bound, queued QoS 0 when configured, the in-flight window of a
 * 3.1.1 client, and an outgoing QoS 2 resumed with PUBREL after a reconnect.
 */
import { describe, expect, it } from 'vitest';
import { brokerStartedByEachTest, persistent, publish } from '../../helpers/mqtt/raw-broker.js';

const t = brokerStartedByEachTest();
const connected = t.connected.bind(t);

describe.each([4, 5] as const)('09 $SYS and limits, protocol %i', (v) => {
  it('09-01 $SYS/broker/version and byte counters are published, not matched by #', async () => {
    await t.start({}, { sysInterval: 1, version: 'mqttsn-gateway test' });
    const { client } = await connected(v, `sys${v}`);
    client.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: '#', qos: 0 },
        { topic: '$SYS/broker/version', qos: 0 },
        { topic: '$SYS/broker/bytes/received', qos: 0 },
      ],
    });
    await client.expect('suback');
    const seen = new Map<string, string>();
    // The retained value from start-up may read 0; the next interval shows our counted bytes.
    while (seen.size < 2 || Number(seen.get('$SYS/broker/bytes/received')) === 0) {
      const p = await client.expect('publish', 4000);
      expect(p.topic.startsWith('$SYS/')).toBe(true); // '#' alone never matches $SYS [MQTT-4.7.2-1]
      seen.set(p.topic, p.payload.toString());
    }
    expect(seen.get('$SYS/broker/version')).toBe('mqttsn-gateway test');
    expect(Number(seen.get('$SYS/broker/bytes/received'))).toBeGreaterThan(0);
  });

  it('09-02 an offline session queue is bounded (max queued messages)', async () => {
    await t.start({}, { maxQueuedMessages: 3 });
    const { client: sub } = await connected(v, `qb${v}`, persistent(v));
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'qb', qos: 1 }] });
    await sub.expect('suback');
    sub.send({ cmd: 'disconnect' });
    await sub.expectClosed();
    const { client: pub } = await connected(v, `qbp${v}`);
    for (let id = 1; id <= 6; id++) {
      pub.send(publish('qb', `${id}`, 1, id));
      await pub.expect('puback');
    }
    const { client: back } = await connected(v, `qb${v}`, persistent(v));
    const got: string[] = [];
    for (;;) {
      const p = await back.next(500).catch(() => undefined);
      if (p === undefined) break;
      if (p.cmd !== 'publish') continue;
      got.push(p.payload.toString());
      back.send({ cmd: 'puback', messageId: p.messageId! });
    }
    expect(got.length).toBe(3);
  });

  it('09-03 QoS 0 is queued for offline sessions when configured (queue_qos0_messages)', async () => {
    await t.start({}, { queueQos0Messages: true });
    const { client: sub } = await connected(v, `q0${v}`, persistent(v));
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q0', qos: 1 }] });
    await sub.expect('suback');
    sub.send({ cmd: 'disconnect' });
    await sub.expectClosed();
    const { client: pub } = await connected(v, `q0p${v}`);
    pub.send(publish('q0', 'zero', 0));
    pub.send({ cmd: 'pingreq' });
    await pub.expect('pingresp');
    const { client: back } = await connected(v, `q0${v}`, persistent(v));
    expect((await back.expect('publish')).payload.toString()).toBe('zero');
  });

  it('09-04 an outgoing QoS 2 resumes with PUBREL after a reconnect between PUBREC and PUBCOMP', async () => {
    await t.start();
    const { client: sub } = await connected(v, `r2${v}`, persistent(v));
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r2', qos: 2 }] });
    await sub.expect('suback');
    const { client: pub } = await connected(v, `r2p${v}`);
    pub.send(publish('r2', 'x', 2, 1));
    await pub.expect('pubrec');
    pub.send({ cmd: 'pubrel', messageId: 1 });
    await pub.expect('pubcomp');
    const delivery = await sub.expect('publish');
    sub.send({ cmd: 'pubrec', messageId: delivery.messageId! });
    expect((await sub.expect('pubrel')).messageId).toBe(delivery.messageId);
    sub.destroy();
    await sub.closed;
    const { client: back } = await connected(v, `r2${v}`, persistent(v));
    expect((await back.expect('pubrel')).messageId).toBe(delivery.messageId); // not the PUBLISH again
    back.send({ cmd: 'pubcomp', messageId: delivery.messageId! });
    await back.expectSilence(200);
  });
});

describe('09 in-flight window', () => {
  it('09-05 a 3.1.1 client gets at most maxInflightMessages QoS 1 deliveries un-acknowledged', async () => {
    await t.start({ maxInflightMessages: 2 });
    const { client: sub } = await connected(4, 'win');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'w', qos: 1 }] });
    await sub.expect('suback');
    const { client: pub } = await connected(4, 'winp');
    for (let id = 1; id <= 4; id++) {
      pub.send(publish('w', `${id}`, 1, id));
    }
    const first = await sub.expect('publish');
    await sub.expect('publish');
    await sub.expectSilence(200);
    sub.send({ cmd: 'puback', messageId: first.messageId! });
    expect((await sub.expect('publish')).payload.toString()).toBe('3');
  });

  it('09-06 a subscriber that does not read loses QoS 0 messages, counted and logged once', async () => {
    await t.start({ maxWriteBuffer: 64 * 1024 });
    const { client: sub } = await connected(4, 'stuck');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flood', qos: 0 }] });
    await sub.expect('suback');
    sub.socket.pause();
    const { client: pub } = await connected(4, 'flooder');
    const payload = Buffer.alloc(16 * 1024);
    for (let i = 0; i < 600; i++) {
      pub.send({ cmd: 'publish', topic: 'flood', payload, qos: 0, retain: false, dup: false });
    }
    pub.send({ cmd: 'pingreq' });
    await pub.expect('pingresp', 10_000);
    expect(t.broker.metrics.publishDropped).toBeGreaterThan(0);
    const lines = t.logs.filter(
      (l) => l.includes('Client stuck (127.0.0.1:') && l.includes('is not reading'),
    );
    expect(lines.length).toBe(1);
  });
});
