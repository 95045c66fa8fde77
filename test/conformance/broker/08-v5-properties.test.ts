/**
 * 08 v5 properties: topic aliases both ways, message expiry, maximum packet size both ways,
 * pass-through properties, subscription identifiers and options, receive maximum (MQTT 5 §3.3.2,
 * §3.8.3.1, §4.9).
 */
import { describe, expect, it } from 'vitest';
import { brokerForEachTest } from '../../helpers/mqtt/raw-broker.js';

const t = brokerForEachTest({ topicAliasMaximum: 5, maxPacketSize: 1000, receiveMaximum: 2 });
async function connected(clientId: string, extra: Record<string, unknown> = {}) {
  return (await t.connected(5, clientId, extra)).client;
}
async function subscriber(id: string, topic: string, extra: Record<string, unknown> = {}, options = {}) {
  const s = await connected(id, extra);
  s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1, ...options }] });
  await s.expect('suback');
  return s;
}
const base = { cmd: 'publish' as const, qos: 0 as const, retain: false, dup: false };

describe('08 v5 properties', () => {
  it('08-01 inbound topic alias: set with a topic, then used with an empty topic', async () => {
    const s = await subscriber('s1', 'alias/t');
    const p = await connected('p1');
    p.send({ ...base, topic: 'alias/t', payload: Buffer.from('a'), properties: { topicAlias: 3 } });
    p.send({ ...base, topic: '', payload: Buffer.from('b'), properties: { topicAlias: 3 } });
    expect((await s.expect('publish')).payload.toString()).toBe('a');
    const second = await s.expect('publish');
    expect(second.topic).toBe('alias/t');
    expect(second.payload.toString()).toBe('b');
  });

  it('08-02 inbound alias above the maximum: DISCONNECT 0x94', async () => {
    const p = await connected('p2');
    p.send({ ...base, topic: 'x', payload: Buffer.from('a'), properties: { topicAlias: 6 } });
    expect((await p.expect('disconnect')).reasonCode).toBe(0x94);
    await p.expectClosed();
  });

  it('08-03 an alias used before it was set: DISCONNECT 0x82', async () => {
    const p = await connected('p3');
    p.send({ ...base, topic: '', payload: Buffer.from('a'), properties: { topicAlias: 2 } });
    expect((await p.expect('disconnect')).reasonCode).toBe(0x82);
  });

  it('08-04 outbound aliases up to the client maximum: the topic is sent once', async () => {
    const s = await subscriber('s4', 'out/#', { properties: { topicAliasMaximum: 1 } });
    const p = await connected('p4');
    for (const topic of ['out/a', 'out/a', 'out/b']) p.send({ ...base, topic, payload: Buffer.from(topic) });
    const first = await s.expect('publish');
    expect(first.topic).toBe('out/a');
    expect(first.properties?.topicAlias).toBe(1);
    const second = await s.expect('publish');
    expect(second.topic).toBe('');
    expect(second.properties?.topicAlias).toBe(1);
    const third = await s.expect('publish'); // no alias left: the full topic, no alias
    expect(third.topic).toBe('out/b');
    expect(third.properties?.topicAlias).toBeUndefined();
  });

  it('08-05 pass-through properties reach the subscriber unchanged', async () => {
    const s = await subscriber('s5', 'props');
    const p = await connected('p5');
    const properties = {
      payloadFormatIndicator: true,
      contentType: 'application/json',
      responseTopic: 'reply/here',
      correlationData: Buffer.from([1, 2, 3]),
      userProperties: { k: 'v', many: ['1', '2'] },
    };
    p.send({ ...base, topic: 'props', payload: Buffer.from('{}'), properties });
    const got = await s.expect('publish');
    expect(got.properties).toMatchObject(properties);
  });

  it('08-06 message expiry: the remaining time is sent; an expired queued message is dropped', async () => {
    const session = { clean: false, properties: { sessionExpiryInterval: 60 } };
    const s = await subscriber('s6', 'exp/#', session);
    const p = await connected('p6');
    p.send({
      ...base,
      topic: 'exp/live',
      payload: Buffer.from('x'),
      properties: { messageExpiryInterval: 100 },
    });
    const live = await s.expect('publish');
    expect(live.properties?.messageExpiryInterval).toBeGreaterThan(0);
    expect(live.properties?.messageExpiryInterval).toBeLessThanOrEqual(100);
    s.send({ cmd: 'disconnect', reasonCode: 0 });
    await s.expectClosed();
    p.send({
      ...base,
      qos: 1,
      messageId: 1,
      topic: 'exp/old',
      payload: Buffer.from('x'),
      properties: { messageExpiryInterval: 1 },
    });
    await p.expect('puback');
    await new Promise((r) => setTimeout(r, 2100));
    const back = await connected('s6', session);
    await back.expectSilence(300);
  });

  it('08-07 a packet over our maximum packet size: DISCONNECT 0x95, no memory reserved', async () => {
    const p = await connected('p7');
    p.send({ ...base, topic: 'big', payload: Buffer.alloc(2000) });
    expect((await p.expect('disconnect')).reasonCode).toBe(0x95);
    await p.expectClosed();
  });

  it("08-08 a delivery over the client's maximum packet size is not sent", async () => {
    const s = await subscriber('s8', 'size/#', { properties: { maximumPacketSize: 100 } });
    const p = await connected('p8');
    p.send({ ...base, topic: 'size/big', payload: Buffer.alloc(200) });
    p.send({ ...base, topic: 'size/small', payload: Buffer.from('ok') });
    const got = await s.expect('publish');
    expect(got.topic).toBe('size/small');
  });

  it('08-09 subscription identifiers are returned on matching deliveries', async () => {
    const s = await connected('s9');
    s.send({
      cmd: 'subscribe',
      messageId: 1,
      properties: { subscriptionIdentifier: 42 },
      subscriptions: [{ topic: 'sid/#', qos: 0 }],
    });
    await s.expect('suback');
    const p = await connected('p9');
    p.send({ ...base, topic: 'sid/x', payload: Buffer.from('x') });
    expect((await s.expect('publish')).properties?.subscriptionIdentifier).toBe(42);
  });

  it('08-10 no local, retain as published and retain handling 2', async () => {
    const c = await connected('s10');
    c.send({ ...base, retain: true, topic: 'opt/r', payload: Buffer.from('kept') });
    c.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: 'opt/#', qos: 0, nl: true, rap: true, rh: 2 }],
    });
    await c.expect('suback');
    c.send({ ...base, topic: 'opt/self', payload: Buffer.from('mine') });
    await c.expectSilence(200); // no local: own message not echoed; rh 2: no retained on subscribe
    const p = await connected('p10');
    p.send({ ...base, retain: true, topic: 'opt/r', payload: Buffer.from('new') });
    const got = await c.expect('publish');
    expect(got.retain).toBe(true); // retain as published
  });

  it('08-11 the client receive maximum bounds deliveries in flight', async () => {
    const s = await subscriber('s11', 'rm', { properties: { receiveMaximum: 1 } });
    const p = await connected('p11');
    p.send({ ...base, qos: 1, messageId: 1, topic: 'rm', payload: Buffer.from('1') });
    p.send({ ...base, qos: 1, messageId: 2, topic: 'rm', payload: Buffer.from('2') });
    const first = await s.expect('publish');
    await s.expectSilence(200);
    s.send({ cmd: 'puback', messageId: first.messageId! });
    expect((await s.expect('publish')).payload.toString()).toBe('2');
  });

  it('08-12 more unacknowledged QoS 2 PUBLISHes than our receive maximum: DISCONNECT 0x93', async () => {
    const p = await connected('p12');
    for (let id = 1; id <= 3; id++)
      p.send({ ...base, qos: 2, messageId: id, topic: 'rm2', payload: Buffer.from('x') });
    let packet = await p.next();
    while (packet.cmd === 'pubrec') packet = await p.next(); // PUBRECs may or may not precede it
    expect(packet).toMatchObject({ cmd: 'disconnect', reasonCode: 0x93 });
    await p.expectClosed();
  });

  it('08-13 AUTH after CONNECT without a method: DISCONNECT 0x82', async () => {
    const p = await connected('p13');
    p.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'x' } });
    expect((await p.expect('disconnect')).reasonCode).toBe(0x82);
  });
});
