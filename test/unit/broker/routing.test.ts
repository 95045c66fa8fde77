/** Routing through the core with fake links: QoS, subscription options, retained, authorizer. */
import { describe, expect, it } from 'vitest';
import { ReasonCode } from '../../../src/broker/types.js';
import { connect, linkInfo, makeBroker, message, publish, settle } from './helpers.js';

describe('routing', () => {
  it('delivers at min(publish QoS, subscription QoS) with packet ids only for QoS>0', async () => {
    const broker = makeBroker();
    const sub = connect(broker, 'sub');
    expect(
      sub.session.subscribe([
        { filter: 'q0', qos: 0 },
        { filter: 'q1', qos: 1 },
        { filter: 'q2', qos: 2 },
      ]),
    ).toEqual([0, 1, 2]);
    const pub = connect(broker, 'pub');
    await publish(pub.session, message('q0', 'a', 2));
    await publish(pub.session, message('q1', 'b', 2));
    await publish(pub.session, message('q2', 'c', 1));
    await publish(pub.session, message('q2', 'd', 0));
    expect(sub.link.deliveries.map((d) => [d.payload.toString(), d.qos, d.packetId])).toEqual([
      ['a', 0, undefined],
      ['b', 1, 1],
      ['c', 1, 2],
      ['d', 0, undefined],
    ]);
    expect(broker.metrics.messagesReceived).toBe(4);
    expect(broker.metrics.messagesSent).toBe(4);
  });

  it('answers NoMatchingSubscribers when nobody matched, Success otherwise', async () => {
    const broker = makeBroker();
    const pub = connect(broker, 'pub');
    expect(await publish(pub.session, message('nobody', 'x', 1))).toEqual({
      reason: ReasonCode.NoMatchingSubscribers,
    });
    connect(broker, 'sub').session.subscribe([{ filter: '#', qos: 0 }]);
    expect(await publish(pub.session, message('nobody', 'x', 1))).toEqual({ reason: ReasonCode.Success });
  });

  it('rejects an invalid topic name with TopicNameInvalid and routes nothing', async () => {
    const broker = makeBroker();
    const sub = connect(broker, 'sub');
    sub.session.subscribe([{ filter: '#', qos: 0 }]);
    const pub = connect(broker, 'pub');
    expect(await publish(pub.session, message('a/+', 'x', 1))).toEqual({
      reason: ReasonCode.TopicNameInvalid,
    });
    expect(await publish(pub.session, message('', 'x', 0))).toEqual({ reason: ReasonCode.TopicNameInvalid });
    expect(sub.link.deliveries).toHaveLength(0);
  });

  it('refuses invalid filters per request with 0x8F, keeping the valid ones', () => {
    const broker = makeBroker();
    const c = connect(broker, 'c');
    expect(
      c.session.subscribe([
        { filter: 'a/#/b', qos: 1 },
        { filter: 'ok/+', qos: 1 },
        { filter: '$share//x', qos: 0 },
      ]),
    ).toEqual([ReasonCode.TopicFilterInvalid, 1, ReasonCode.TopicFilterInvalid]);
    expect(c.session.subscriptions().map((s) => s.filter)).toEqual(['ok/+']);
  });

  it('grants at most maximumQos', () => {
    const broker = makeBroker({ maximumQos: 1 });
    expect(connect(broker, 'c').session.subscribe([{ filter: 'a', qos: 2 }])).toEqual([1]);
  });

  it('3.1.1 and MQTT-SN: ONE delivery per client for overlapping subscriptions, at the max QoS, with all ids', async () => {
    for (const info of [
      linkInfo({ protocolVersion: 4 }),
      linkInfo({ protocol: 'mqtt-sn', protocolVersion: 1 }),
    ]) {
      const broker = makeBroker();
      const sub = connect(broker, 'sub', { info });
      sub.session.subscribe([
        { filter: 'a/+', qos: 0, subscriptionId: 3 },
        { filter: 'a/#', qos: 1, subscriptionId: 4 },
      ]);
      const pub = connect(broker, 'pub');
      await publish(pub.session, message('a/b', 'x', 2));
      expect(sub.link.deliveries).toHaveLength(1);
      expect(sub.link.deliveries[0]!.qos).toBe(1);
      expect([...(sub.link.deliveries[0]!.subscriptionIds ?? [])].sort()).toEqual([3, 4]);
    }
  });

  it('MQTT 5: one delivery per matching subscription, in mosquitto order (literal, +, #) [MQTT-3.3.4-5]', async () => {
    const broker = makeBroker();
    const sub = connect(broker, 'sub');
    sub.session.subscribe([
      { filter: '#', qos: 0, subscriptionId: 1 },
      { filter: 'a/#', qos: 1, subscriptionId: 2 },
      { filter: '+/b', qos: 2, subscriptionId: 3 },
      { filter: 'a/+', qos: 0, subscriptionId: 4 },
      { filter: 'a/b', qos: 1, subscriptionId: 5 },
      { filter: 'a/b/#', qos: 2, subscriptionId: 6 },
    ]);
    const pub = connect(broker, 'pub');
    await publish(pub.session, message('a/b', 'x', 2));
    expect(sub.link.deliveries.map((d) => [d.subscriptionIds, d.qos])).toEqual([
      [[6], 2],
      [[5], 1],
      [[4], 0],
      [[2], 1],
      [[3], 2],
      [[1], 0],
    ]);
  });

  it('MQTT 5: no local drops only the no-local copy of an own publish', async () => {
    const broker = makeBroker();
    const c = connect(broker, 'c');
    c.session.subscribe([
      { filter: 'n/a', qos: 1, noLocal: true },
      { filter: 'n/+', qos: 0 },
    ]);
    await publish(c.session, message('n/a', 'own', 1));
    await settle();
    expect(c.link.deliveries.map((d) => d.qos)).toEqual([0]);
  });

  it('counts a subscription skipped by no local as a match (PUBACK 0, as mosquitto)', async () => {
    const broker = makeBroker();
    const c = connect(broker, 'c');
    c.session.subscribe([{ filter: 'm', qos: 1, noLocal: true }]);
    expect(await publish(c.session, message('m', 'own', 1))).toEqual({ reason: ReasonCode.Success });
    await settle();
    expect(c.link.deliveries).toHaveLength(0);
  });

  it('QoS 2 with nobody subscribed: PUBREC Success, as mosquitto (0x10 only in PUBACK)', async () => {
    const broker = makeBroker();
    const pub = connect(broker, 'pub');
    expect(await publish(pub.session, message('nobody', 'x', 2))).toEqual({ reason: ReasonCode.Success });
  });

  it('refuses client publishes to $SYS and $share (NotAuthorized), as mosquitto; bridge state allowed', async () => {
    const broker = makeBroker();
    const watch = connect(broker, 'watch');
    watch.session.subscribe([
      { filter: '$SYS/#', qos: 0 },
      { filter: '$share/#', qos: 0 },
    ]);
    const pub = connect(broker, 'pub');
    for (const topic of ['$SYS/x', '$SYS', '$SYSTEM/x', '$share/g/t']) {
      expect(await publish(pub.session, message(topic, 'x', 1))).toEqual({
        reason: ReasonCode.NotAuthorized,
      });
    }
    expect(await publish(pub.session, message('$SYS/broker/connection/b1/state', '1', 1))).toEqual({
      reason: ReasonCode.Success,
    });
    await settle();
    expect(watch.link.deliveries.map((d) => d.topic)).toEqual(['$SYS/broker/connection/b1/state']);
  });

  it('does not deliver $-topics to root wildcards [MQTT-4.7.2-1]', () => {
    const broker = makeBroker();
    const all = connect(broker, 'all');
    all.session.subscribe([
      { filter: '#', qos: 0 },
      { filter: '+/x', qos: 0 },
    ]);
    const sys = connect(broker, 'sys');
    sys.session.subscribe([{ filter: '$SYS/#', qos: 0 }]);
    broker.publish({ topic: '$SYS/x', payload: Buffer.from('1'), qos: 0, retain: false });
    expect(all.link.deliveries).toHaveLength(0);
    expect(sys.link.deliveries).toHaveLength(1);
  });

  it('no local: own publishes are not sent back; others still are (v5 §3.8.3.1)', async () => {
    const broker = makeBroker();
    const a = connect(broker, 'a');
    a.session.subscribe([{ filter: 't', qos: 0, noLocal: true }]);
    const b = connect(broker, 'b');
    b.session.subscribe([{ filter: 't', qos: 0 }]);
    a.session.publish(message('t', 'from-a'));
    b.session.publish(message('t', 'from-b'));
    await settle();
    expect(a.link.payloads()).toEqual(['from-b']);
    expect(b.link.payloads()).toEqual(['from-a', 'from-b']);
  });

  it('delivers own publishes without noLocal only after the publish call returns (Timing)', async () => {
    const broker = makeBroker();
    const a = connect(broker, 'a');
    a.session.subscribe([{ filter: 't', qos: 0 }]);
    a.session.publish(message('t', 'me'));
    expect(a.link.deliveries).toHaveLength(0);
    await settle();
    expect(a.link.payloads()).toEqual(['me']);
  });

  it('retain as published keeps RETAIN on normal deliveries; otherwise it is cleared [MQTT-3.3.1-12]', async () => {
    const broker = makeBroker();
    const rap = connect(broker, 'rap');
    rap.session.subscribe([{ filter: 't', qos: 0, retainAsPublished: true }]);
    const plain = connect(broker, 'plain');
    plain.session.subscribe([{ filter: 't', qos: 0 }]);
    connect(broker, 'pub').session.publish(message('t', 'x', 0, { retain: true }));
    expect(rap.link.deliveries[0]!.retain).toBe(true);
    expect(plain.link.deliveries[0]!.retain).toBe(false);
  });

  it('shared subscriptions: one member per message, round robin', () => {
    const broker = makeBroker();
    const m1 = connect(broker, 'm1');
    const m2 = connect(broker, 'm2');
    m1.session.subscribe([{ filter: '$share/g/s/#', qos: 0 }]);
    m2.session.subscribe([{ filter: '$share/g/s/#', qos: 0 }]);
    const pub = connect(broker, 'pub');
    for (let i = 0; i < 4; i++) pub.session.publish(message('s/x', String(i)));
    expect(m1.link.payloads()).toEqual(['0', '2']);
    expect(m2.link.payloads()).toEqual(['1', '3']);
  });

  it('unsubscribe stops deliveries and reports NoSubscriptionExisted for unknown filters', () => {
    const broker = makeBroker();
    const sub = connect(broker, 'sub');
    sub.session.subscribe([{ filter: 'u/#', qos: 0 }]);
    expect(sub.session.unsubscribe(['u/#', 'never'])).toEqual([
      ReasonCode.Success,
      ReasonCode.NoSubscriptionExisted,
    ]);
    connect(broker, 'pub').session.publish(message('u/1', 'x'));
    expect(sub.link.deliveries).toHaveLength(0);
  });
});

describe('retained messages', () => {
  it('are delivered after subscribe returns, with RETAIN=1 [MQTT-3.3.1-8]; replaced and cleared', async () => {
    const broker = makeBroker();
    const pub = connect(broker, 'pub');
    await publish(pub.session, message('r/1', 'first', 1, { retain: true }));
    await publish(pub.session, message('r/1', 'second', 1, { retain: true }));
    await publish(pub.session, message('r/2', 'other', 0, { retain: true }));
    const sub = connect(broker, 'sub');
    expect(sub.session.subscribe([{ filter: 'r/+', qos: 1 }])).toEqual([1]);
    expect(sub.link.deliveries).toHaveLength(0); // SUBACK first
    await settle();
    expect(sub.link.deliveries.map((d) => [d.payload.toString(), d.retain, d.qos]).sort()).toEqual([
      ['other', true, 0],
      ['second', true, 1],
    ]);
    // An empty retained payload clears [MQTT-3.3.1-6]; the empty message itself is still routed.
    await publish(pub.session, message('r/1', '', 0, { retain: true }));
    const late = connect(broker, 'late');
    late.session.subscribe([{ filter: 'r/1', qos: 0 }]);
    await settle();
    expect(late.link.deliveries).toHaveLength(0);
  });

  it('retain handling: 0 always, 1 only for a new subscription, 2 never', async () => {
    const broker = makeBroker();
    broker.publish({ topic: 'rh', payload: Buffer.from('kept'), qos: 0, retain: true });
    const c = connect(broker, 'c');
    const count = async (retainHandling: 0 | 1 | 2) => {
      const before = c.link.deliveries.length;
      c.session.subscribe([{ filter: 'rh', qos: 0, retainHandling }]);
      await settle();
      return c.link.deliveries.length - before;
    };
    expect(await count(2)).toBe(0);
    expect(await count(1)).toBe(0); // the subscription existed already (made with rh=2)
    c.session.unsubscribe(['rh']);
    expect(await count(1)).toBe(1);
    expect(await count(0)).toBe(1);
    expect(await count(0)).toBe(1);
  });

  it('come in mosquitto order: tree walk, levels by creation, "a" after its subtopics for "a/#"', async () => {
    const broker = makeBroker();
    for (const topic of ['a/b/c', 'a/x', 'a/b/d', 'a', 'b/1', 'a/b', '$s/1']) {
      broker.publish({ topic, payload: Buffer.from(topic), qos: 0, retain: true });
    }
    broker.publish({ topic: 'a/b/c', payload: Buffer.alloc(0), qos: 0, retain: true });
    broker.publish({ topic: 'a/b/c', payload: Buffer.from('again'), qos: 0, retain: true });
    const order = async (filter: string) => {
      const c = connect(broker, `c${filter}`);
      c.session.subscribe([{ filter, qos: 0 }]);
      await settle();
      return c.link.deliveries.map((d) => d.topic);
    };
    expect(await order('#')).toEqual(['a', 'a/b', 'a/b/c', 'a/b/d', 'a/x', 'b/1']);
    expect(await order('a/#')).toEqual(['a/b', 'a/b/c', 'a/b/d', 'a/x', 'a']);
    expect(await order('+/+')).toEqual(['a/b', 'a/x', 'b/1']);
    expect(await order('$s/#')).toEqual(['$s/1']);
  });

  it('sweeps cleared topics once they outnumber the live ones, and still finds the rest', async () => {
    const broker = makeBroker();
    for (let i = 0; i < 1100; i++)
      broker.publish({ topic: `t/${i}`, payload: Buffer.from('x'), qos: 0, retain: true });
    for (let i = 0; i < 1099; i++)
      broker.publish({ topic: `t/${i}`, payload: Buffer.alloc(0), qos: 0, retain: true });
    const c = connect(broker, 'c');
    c.session.subscribe([{ filter: 't/+', qos: 0 }]);
    await settle();
    expect(c.link.deliveries.map((d) => d.topic)).toEqual(['t/1099']);
  });

  it('are sent on a new shared subscription, as mosquitto 2.0 does', async () => {
    const broker = makeBroker();
    broker.publish({ topic: 'sh', payload: Buffer.from('kept'), qos: 0, retain: true });
    const c = connect(broker, 'c');
    c.session.subscribe([{ filter: '$share/g/sh', qos: 0 }]);
    await settle();
    expect(c.link.payloads()).toEqual(['kept']);
    expect(c.link.deliveries[0]!.retain).toBe(true);
  });

  it('expire: an expired retained message is not delivered', async () => {
    let now = 1_000_000;
    const broker = makeBroker({}, { now: () => now });
    broker.publish({
      topic: 'ex',
      payload: Buffer.from('x'),
      qos: 0,
      retain: true,
      properties: { messageExpiryInterval: 5 },
    });
    now += 3000;
    const a = connect(broker, 'a');
    a.session.subscribe([{ filter: 'ex', qos: 0 }]);
    await settle();
    expect(a.link.deliveries[0]!.properties?.messageExpiryInterval).toBe(2);
    now += 3000;
    const b = connect(broker, 'b');
    b.session.subscribe([{ filter: 'ex', qos: 0 }]);
    await settle();
    expect(b.link.deliveries).toHaveLength(0);
  });
});

describe('authorizer', () => {
  const authorizer = {
    canPublish: (_c: string, _u: string | undefined, topic: string) => !topic.startsWith('secret'),
    canSubscribe: (_c: string, _u: string | undefined, filter: string) => filter !== 'forbidden',
    canRead: (clientId: string, _u: string | undefined, topic: string) =>
      !(clientId === 'nosy' && topic === 'private'),
  };

  it('canPublish false → NotAuthorized and not routed; canSubscribe false → 0x87', async () => {
    const broker = makeBroker({ authorizer });
    const sub = connect(broker, 'sub');
    expect(
      sub.session.subscribe([
        { filter: '#', qos: 1 },
        { filter: 'forbidden', qos: 0 },
      ]),
    ).toEqual([1, ReasonCode.NotAuthorized]);
    const pub = connect(broker, 'pub');
    expect(await publish(pub.session, message('secret/x', 'no', 1))).toEqual({
      reason: ReasonCode.NotAuthorized,
    });
    expect(sub.link.deliveries).toHaveLength(0);
  });

  it('canRead is checked per delivery, retained messages and wills included', async () => {
    const broker = makeBroker({ authorizer });
    const nosy = connect(broker, 'nosy');
    const ok = connect(broker, 'ok');
    nosy.session.subscribe([{ filter: '+', qos: 0 }]);
    ok.session.subscribe([{ filter: '+', qos: 0 }]);
    connect(broker, 'pub').session.publish(message('private', 'p', 0, { retain: true }));
    expect(nosy.link.deliveries).toHaveLength(0);
    expect(ok.link.deliveries).toHaveLength(1);
    nosy.session.subscribe([{ filter: 'private', qos: 0 }]);
    await settle();
    expect(nosy.link.deliveries).toHaveLength(0);
    connect(broker, 'dying', {
      will: { topic: 'private', payload: Buffer.from('w'), qos: 0, retain: false },
    }).session.disconnect({ publishWill: true });
    expect(nosy.link.deliveries).toHaveLength(0);
    expect(ok.link.payloads()).toEqual(['p', 'w']);
  });

  it('a will on a topic the client may not publish to is not published', () => {
    const broker = makeBroker({ authorizer });
    const sub = connect(broker, 'sub');
    sub.session.subscribe([{ filter: '#', qos: 0 }]);
    connect(broker, 'd', {
      will: { topic: 'secret/w', payload: Buffer.from('w'), qos: 0, retain: false },
    }).session.disconnect({
      publishWill: true,
    });
    expect(sub.link.deliveries).toHaveLength(0);
  });
});

describe('shared subscriptions and presence', () => {
  it('round robin includes an offline member, whose share is queued (QoS 1) as on mosquitto', async () => {
    const broker = makeBroker();
    const online = connect(broker, 'online');
    const offline = connect(broker, 'offline', { cleanStart: false, sessionExpiry: 60 });
    online.session.subscribe([{ filter: '$share/g/job', qos: 1 }]);
    offline.session.subscribe([{ filter: '$share/g/job', qos: 1 }]);
    offline.session.disconnect({ publishWill: false });
    const pub = connect(broker, 'pub');
    for (let i = 0; i < 4; i++) await publish(pub.session, message('job', String(i), 1));
    expect(online.link.payloads()).toEqual(['0', '2']);
    const back = connect(broker, 'offline', { cleanStart: false, sessionExpiry: 60 });
    await settle();
    expect(back.link.payloads()).toEqual(['1', '3']);
  });

  it('reports connects and disconnects as events and in connectedCount', () => {
    const broker = makeBroker();
    const seen: string[] = [];
    broker.on('clientConnected', (e) => seen.push(`+${e.clientId}/${e.protocol}`));
    broker.on('clientDisconnected', (e) => seen.push(`-${e.clientId}:${e.reason}`));
    const a = connect(broker, 'a');
    connect(broker, 'b', { info: linkInfo({ protocol: 'mqtt-sn', protocolVersion: 1, receiveMaximum: 1 }) });
    expect(broker.connectedCount()).toBe(2);
    a.session.disconnect({ publishWill: true });
    expect(broker.connectedCount()).toBe(1);
    expect(seen).toEqual(['+a/mqtt', '+b/mqtt-sn', '-a:connection lost']);
  });
});

describe('a faulty front end', () => {
  it('a link whose deliver throws breaks neither the publisher nor other subscribers', async () => {
    const broker = makeBroker();
    const bad = connect(broker, 'bad');
    bad.link.onDeliver = () => {
      throw new Error('boom');
    };
    bad.session.subscribe([{ filter: 't', qos: 1 }]);
    const good = connect(broker, 'good');
    good.session.subscribe([{ filter: 't', qos: 1 }]);
    const outcome = await publish(connect(broker, 'pub').session, message('t', 'x', 1));
    expect(outcome).toEqual({ reason: ReasonCode.Success });
    expect(good.link.payloads()).toEqual(['x']);
  });
});
