/**
 * 10 delivery: packet-id management of outgoing QoS 1/2 deliveries [MQTT-2.3.1-2], per-topic
 * ordering live and from an offline queue [MQTT-4.6.0-5], overlapping subscriptions
 * [MQTT-3.3.5-1] / [MQTT-3.3.4-5], `$`-topics and root wildcards [MQTT-4.7.2-1], v5 retain
 * handling 0/1 and no local (MQTT 5 §3.8.3.1), and a will on a socket error (TCP reset).
 */
import type { IPublishPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { waitForLog } from '../../helpers/mqtt/harness.js';
import { brokerForEachTest, persistent, publish } from '../../helpers/mqtt/raw-broker.js';
import type { RawClient } from '../../helpers/mqtt/raw-client.js';

const t = brokerForEachTest();
const connected = t.connected.bind(t);
async function subscribe(c: RawClient, subscriptions: Array<Record<string, unknown>>, messageId = 1) {
  c.send({ cmd: 'subscribe', messageId, subscriptions } as never);
  return c.expect('suback');
}
/** Sends QoS 1 publishes one after another, each acknowledged before the next. */
async function publishAll(pub: RawClient, topic: string, payloads: string[]): Promise<void> {
  let id = 0;
  for (const payload of payloads) {
    pub.send(publish(topic, payload, 1, ++id));
    await pub.expect('puback');
  }
}
async function takePublishes(c: RawClient, count: number, ack = true): Promise<IPublishPacket[]> {
  const got: IPublishPacket[] = [];
  while (got.length < count) {
    const p = await c.expect('publish');
    got.push(p);
    if (ack && p.qos === 1) c.send({ cmd: 'puback', messageId: p.messageId! });
  }
  return got;
}

describe.each([4, 5] as const)('10 delivery, protocol %i', (v) => {
  it('10-01 deliveries in flight carry distinct non-zero packet ids [MQTT-2.3.1-2]', async () => {
    const { client: sub } = await connected(v, `ids${v}`);
    await subscribe(sub, [{ topic: 'ids/#', qos: 2 }]);
    const { client: pub } = await connected(v, `idp${v}`);
    for (let i = 1; i <= 6; i++) {
      pub.send(publish(`ids/${i}`, `${i}`, i % 2 === 0 ? 2 : 1, i));
      if (i % 2 === 0) {
        await pub.expect('pubrec');
        pub.send({ cmd: 'pubrel', messageId: i });
        await pub.expect('pubcomp');
      } else await pub.expect('puback');
    }
    const got = await takePublishes(sub, 6, false); // nothing acknowledged: all six in flight
    const ids = got.map((p) => p.messageId);
    expect(ids.every((id) => id !== undefined && id > 0 && id <= 0xffff)).toBe(true);
    expect(new Set(ids).size).toBe(6);
    // Acknowledging frees them: each flow completes with the id it was sent with.
    for (const p of got) {
      if (p.qos === 1) sub.send({ cmd: 'puback', messageId: p.messageId! });
      else {
        sub.send({ cmd: 'pubrec', messageId: p.messageId! });
        expect((await sub.expect('pubrel')).messageId).toBe(p.messageId);
        sub.send({ cmd: 'pubcomp', messageId: p.messageId! });
      }
    }
    await sub.expectSilence(200); // nothing re-sent
  });

  it('10-02 one topic keeps its order, live and from the offline queue [MQTT-4.6.0-5]', async () => {
    const payloads = Array.from({ length: 25 }, (_, i) => `m${i}`);
    const { client: sub } = await connected(v, `ord${v}`, persistent(v));
    await subscribe(sub, [{ topic: 'ord', qos: 1 }]);
    const { client: pub } = await connected(v, `ordp${v}`);
    await publishAll(pub, 'ord', payloads);
    expect((await takePublishes(sub, 25)).map((p) => p.payload.toString())).toEqual(payloads);
    sub.send({ cmd: 'disconnect' });
    await sub.expectClosed();
    await publishAll(pub, 'ord', payloads);
    const { client: back } = await connected(v, `ord${v}`, persistent(v));
    expect((await takePublishes(back, 25)).map((p) => p.payload.toString())).toEqual(payloads);
  });

  it('10-03 $-topics are not matched by # or +/… at the root, but by $x/# and $x/+ [MQTT-4.7.2-1]', async () => {
    const { client: sub } = await connected(v, `dol${v}`);
    await subscribe(sub, [
      { topic: '#', qos: 0 },
      { topic: '+/status', qos: 0 },
      { topic: '+', qos: 0 },
    ]);
    const { client: dollar } = await connected(v, `dol2${v}`);
    await subscribe(dollar, [{ topic: '$app/+', qos: 0 }]);
    const { client: pub } = await connected(v, `dolp${v}`);
    pub.send(publish('$app/status', 'hidden', 0));
    pub.send(publish('$app', 'hidden-too', 0));
    pub.send(publish('plain/status', 'seen', 0));
    const got = await takePublishes(sub, v === 5 ? 2 : 1);
    expect(got.map((p) => p.topic)).toEqual(v === 5 ? ['plain/status', 'plain/status'] : ['plain/status']);
    await sub.expectSilence(200);
    expect((await dollar.expect('publish')).topic).toBe('$app/status');
  });
});

describe('10 overlapping subscriptions', () => {
  it('10-04 3.1.1: one copy, at the highest QoS of the matching subscriptions [MQTT-3.3.5-1]', async () => {
    const { client: sub } = await connected(4, 'ov4');
    expect(
      (
        await subscribe(sub, [
          { topic: 'ov/#', qos: 0 },
          { topic: 'ov/+', qos: 2 },
          { topic: 'ov/x', qos: 1 },
        ])
      ).granted,
    ).toEqual([0, 2, 1]);
    const { client: pub } = await connected(4, 'ovp4');
    pub.send(publish('ov/x', 'once', 2, 1));
    await pub.expect('pubrec');
    pub.send({ cmd: 'pubrel', messageId: 1 });
    await pub.expect('pubcomp');
    const got = await sub.expect('publish');
    expect(got).toMatchObject({ topic: 'ov/x', qos: 2 });
    sub.send({ cmd: 'pubrec', messageId: got.messageId! });
    await sub.expect('pubrel');
    sub.send({ cmd: 'pubcomp', messageId: got.messageId! });
    await sub.expectSilence(200);
  });

  it('10-05 v5: one copy per matching subscription, each with its own QoS and identifier [MQTT-3.3.4-5]', async () => {
    const { client: sub } = await connected(5, 'ov5');
    sub.send({
      cmd: 'subscribe',
      messageId: 1,
      properties: { subscriptionIdentifier: 7 },
      subscriptions: [{ topic: 'ov/#', qos: 0 }],
    });
    await sub.expect('suback');
    sub.send({
      cmd: 'subscribe',
      messageId: 2,
      properties: { subscriptionIdentifier: 9 },
      subscriptions: [{ topic: 'ov/x', qos: 1 }],
    });
    await sub.expect('suback');
    const { client: pub } = await connected(5, 'ovp5');
    pub.send(publish('ov/x', 'twice', 1, 1));
    await pub.expect('puback');
    const got = await takePublishes(sub, 2);
    const byId = new Map(got.map((p) => [p.properties?.subscriptionIdentifier, p.qos]));
    expect(byId).toEqual(
      new Map([
        [7, 0],
        [9, 1],
      ]),
    );
    await sub.expectSilence(200);
  });
});

describe('10 v5 subscription options', () => {
  async function retainedOn(topic: string, payload: string): Promise<void> {
    const { client } = await connected(5, `ret-${topic}`);
    client.send({ ...publish(topic, payload, 1, 1), retain: true });
    await client.expect('puback');
  }

  it('10-06 retain handling 0: retained sent on every SUBSCRIBE, also a repeated one', async () => {
    await retainedOn('rh0', 'kept');
    const { client } = await connected(5, 'rh0');
    for (let id = 1; id <= 2; id++) {
      await subscribe(client, [{ topic: 'rh0', qos: 0, rh: 0 }], id);
      const got = await client.expect('publish');
      expect(got).toMatchObject({ topic: 'rh0', retain: true });
    }
  });

  it('10-07 retain handling 1: retained sent only when the subscription is new', async () => {
    await retainedOn('rh1', 'kept');
    const { client } = await connected(5, 'rh1');
    await subscribe(client, [{ topic: 'rh1', qos: 0, rh: 1 }], 1);
    expect((await client.expect('publish')).payload.toString()).toBe('kept');
    await subscribe(client, [{ topic: 'rh1', qos: 0, rh: 1 }], 2);
    await client.expectSilence(200);
  });

  it('10-08 retain handling 2: no retained message even on a new subscription', async () => {
    await retainedOn('rh2', 'kept');
    const { client } = await connected(5, 'rh2');
    await subscribe(client, [{ topic: 'rh2', qos: 0, rh: 2 }]);
    await client.expectSilence(200);
  });

  it('10-09 no local: own messages are not echoed, others still are; without it they are', async () => {
    const { client: a } = await connected(5, 'nl-a');
    await subscribe(a, [{ topic: 'nl/local', qos: 0, nl: true }]);
    await subscribe(a, [{ topic: 'nl/echo', qos: 0 }], 2);
    a.send(publish('nl/local', 'mine', 0));
    a.send(publish('nl/echo', 'echoed', 0));
    expect((await a.expect('publish')).topic).toBe('nl/echo');
    const { client: b } = await connected(5, 'nl-b');
    b.send(publish('nl/local', 'theirs', 0));
    expect((await a.expect('publish')).payload.toString()).toBe('theirs');
    await a.expectSilence(200);
  });

  it('10-10 retain as published 0 clears RETAIN on live deliveries; 1 keeps it', async () => {
    const { client: sub } = await connected(5, 'rap');
    await subscribe(sub, [
      { topic: 'rap/off', qos: 0, rap: false },
      { topic: 'rap/on', qos: 0, rap: true },
    ]);
    const { client: pub } = await connected(5, 'rapp');
    pub.send({ ...publish('rap/off', 'x', 0), retain: true });
    pub.send({ ...publish('rap/on', 'y', 0), retain: true });
    expect(await sub.expect('publish')).toMatchObject({ topic: 'rap/off', retain: false });
    expect(await sub.expect('publish')).toMatchObject({ topic: 'rap/on', retain: true });
  });
});

describe.each([4, 5] as const)('10 will on a socket error, protocol %i', (v) => {
  it('10-11 a TCP reset (socket error, no DISCONNECT) publishes the will', async () => {
    const { client: w } = await connected(v, `rw${v}`);
    await subscribe(w, [{ topic: 'will/#', qos: 1 }]);
    const { client } = await connected(v, `rst${v}`, {
      will: { topic: `will/rst${v}`, payload: Buffer.from('reset'), qos: 1, retain: false },
    });
    client.socket.resetAndDestroy();
    const got = await w.expect('publish');
    expect(got.topic).toBe(`will/rst${v}`);
    expect(got.payload.toString()).toBe('reset');
    await waitForLog(t.logs, new RegExp(`Client rst${v} socket error: read ECONNRESET`));
  });
});
