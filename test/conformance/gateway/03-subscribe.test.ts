/**
 * Gateway → client: SUBSCRIBE / UNSUBSCRIBE by name, predefined id, short name and wildcard
 * (§6.9), REGISTER before the first PUBLISH of a topic without an id (§6.10), delivery at QoS 0,
 * 1 and 2 with the client's acks, messages published by an MQTT.js client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ReturnCode, topicIdFieldValue } from '../../../src/codec/mqttsn/index.js';
import { type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let harness: Harness | undefined;
const clients: SnTestClient[] = [];
const watchers: MqttWatcher[] = [];

async function setUp(
  options: Parameters<typeof startHarness>[0] = {},
): Promise<{ c: SnTestClient; pub: MqttWatcher; h: Harness }> {
  const h = await startHarness(options);
  harness = h;
  const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused/never');
  watchers.push(pub);
  const c = await SnTestClient.open({ port: h.port });
  clients.push(c);
  return { c, pub, h };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await harness?.close();
  harness = undefined;
});

describe('03 subscribe (MQTT-SN §6.9, §6.10)', () => {
  it('delivers at min(subscription QoS, message QoS) (DESIGN.md "QoS mapping")', async () => {
    const { c, pub } = await setUp();
    await c.connect('sub-min');
    const cases = [
      { name: 'q0', granted: 0, published: 2, delivered: 0 },
      { name: 'q1', granted: 1, published: 2, delivered: 1 },
      { name: 'q2', granted: 2, published: 1, delivered: 1 },
      { name: 'q3', granted: 2, published: 0, delivered: 0 },
    ] as const;
    for (const [i, { name, granted }] of cases.entries()) {
      c.send({ type: 'SUBSCRIBE', dup: false, qos: granted, msgId: i + 1, topic: { type: 'short', name } });
      expect(await c.expect('SUBACK')).toMatchObject({ qos: granted, returnCode: ReturnCode.ACCEPTED });
    }
    for (const { name, published, delivered } of cases) {
      await pub.publish(name, `${name} at ${published}`, published);
      const p = await c.expect('PUBLISH');
      expect({ topic: p.topic, qos: p.qos }, name).toEqual({
        topic: { type: 'short', name },
        qos: delivered,
      });
      if (delivered === 1)
        c.send({ type: 'PUBACK', topicId: topicIdFieldValue(p.topic), msgId: p.msgId, returnCode: 0 });
    }
  });

  it('by name: SUBACK carries the topic id, PUBLISHes use it without REGISTER (QoS 0)', async () => {
    const { c, pub } = await setUp();
    await c.connect('sub-1');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'name', name: 'cmd/sub-1' } });
    const suback = await c.expect('SUBACK');
    expect(suback).toMatchObject({ msgId: 1, qos: 0, returnCode: ReturnCode.ACCEPTED });
    expect(suback.topicId).toBeGreaterThan(0);
    await pub.publish('cmd/sub-1', 'on');
    const p = await c.expect('PUBLISH');
    expect(p).toMatchObject({ qos: 0, topic: { type: 'normal', id: suback.topicId } });
    expect(p.payload.toString()).toBe('on');
  });

  it('wildcard: SUBACK topic id 0x0000, then REGISTER before the first PUBLISH of each topic (QoS 1)', async () => {
    const { c, pub } = await setUp();
    await c.connect('sub-2');
    c.send({
      type: 'SUBSCRIBE',
      dup: false,
      qos: 1,
      msgId: 1,
      topic: { type: 'name', name: 'room/+/light' },
    });
    expect(await c.expect('SUBACK')).toMatchObject({ topicId: 0, qos: 1, returnCode: ReturnCode.ACCEPTED });
    await pub.publish('room/kitchen/light', 'on', 1);
    await pub.publish('room/kitchen/light', 'off', 1);
    const register = await c.expect('REGISTER');
    expect(register.topicName).toBe('room/kitchen/light');
    expect(register.topicId).toBeGreaterThan(0);
    c.send({
      type: 'REGACK',
      topicId: register.topicId,
      msgId: register.msgId,
      returnCode: ReturnCode.ACCEPTED,
    });
    const first = await c.expect('PUBLISH');
    expect(first).toMatchObject({ qos: 1, dup: false, topic: { type: 'normal', id: register.topicId } });
    expect(first.payload.toString()).toBe('on');
    c.send({
      type: 'PUBACK',
      topicId: register.topicId,
      msgId: first.msgId,
      returnCode: ReturnCode.ACCEPTED,
    });
    const second = await c.expect('PUBLISH'); // no second REGISTER: the id is known now
    expect(second.payload.toString()).toBe('off');
    c.send({
      type: 'PUBACK',
      topicId: register.topicId,
      msgId: second.msgId,
      returnCode: ReturnCode.ACCEPTED,
    });
    expect(await c.drain(100)).toEqual([]);
  });

  it('one QoS 1 PUBLISH outstanding at a time (§6.6): the next waits for the PUBACK', async () => {
    const { c, pub } = await setUp({ gateway: { tRetry: 5 } });
    await c.connect('sub-3');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'name', name: 'q/one' } });
    const { topicId } = await c.expect('SUBACK');
    for (const n of ['1', '2', '3']) await pub.publish('q/one', n, 1);
    const first = await c.expect('PUBLISH');
    expect(await c.drain(150)).toEqual([]);
    c.send({ type: 'PUBACK', topicId, msgId: first.msgId, returnCode: ReturnCode.ACCEPTED });
    const second = await c.expect('PUBLISH');
    c.send({ type: 'PUBACK', topicId, msgId: second.msgId, returnCode: ReturnCode.ACCEPTED });
    const third = await c.expect('PUBLISH');
    expect([first, second, third].map((p) => p.payload.toString())).toEqual(['1', '2', '3']);
  });

  it('QoS 2 delivery: PUBLISH, PUBREC, PUBREL, PUBCOMP', async () => {
    const { c, pub } = await setUp();
    await c.connect('sub-4');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 2, msgId: 1, topic: { type: 'name', name: 'q/two' } });
    await c.expect('SUBACK');
    await pub.publish('q/two', 'x', 2);
    const p = await c.expect('PUBLISH');
    expect(p.qos).toBe(2);
    c.send({ type: 'PUBREC', msgId: p.msgId });
    expect((await c.expect('PUBREL')).msgId).toBe(p.msgId);
    c.send({ type: 'PUBCOMP', msgId: p.msgId });
    await pub.publish('q/two', 'y', 2);
    expect((await c.expect('PUBLISH')).payload.toString()).toBe('y');
  });

  it('predefined id: SUBACK echoes it and PUBLISHes use it; an unknown one gets SUBACK 0x02', async () => {
    const { c, pub } = await setUp({ gateway: { predefinedTopics: new Map([[7, 'predef/cmd']]) } });
    await c.connect('sub-5');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'predefined', id: 7 } });
    expect(await c.expect('SUBACK')).toMatchObject({ topicId: 7, returnCode: ReturnCode.ACCEPTED });
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 2, topic: { type: 'predefined', id: 8 } });
    expect(await c.expect('SUBACK')).toMatchObject({ msgId: 2, returnCode: ReturnCode.INVALID_TOPIC_ID });
    await pub.publish('predef/cmd', 'go');
    expect(await c.expect('PUBLISH')).toMatchObject({ topic: { type: 'predefined', id: 7 } });
  });

  it('short name: SUBACK topic id 0, PUBLISHes carry the short name (§6.7)', async () => {
    const { c, pub } = await setUp();
    await c.connect('sub-6');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'short', name: 'zz' } });
    expect(await c.expect('SUBACK')).toMatchObject({ topicId: 0, returnCode: ReturnCode.ACCEPTED });
    await pub.publish('zz', 'short');
    expect(await c.expect('PUBLISH')).toMatchObject({ topic: { type: 'short', name: 'zz' } });
  });

  it('UNSUBSCRIBE stops deliveries; UNSUBACK echoes the MsgId', async () => {
    const { c, pub } = await setUp();
    await c.connect('sub-7');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'name', name: 'u/#' } });
    await c.expect('SUBACK');
    c.send({ type: 'UNSUBSCRIBE', msgId: 2, topic: { type: 'name', name: 'u/#' } });
    expect((await c.expect('UNSUBACK')).msgId).toBe(2);
    await pub.publish('u/x', 'nobody');
    expect(await c.drain(150)).toEqual([]);
  });

  it('a rejected REGISTER drops its PUBLISH (§6.10) and the next topic still flows', async () => {
    const { c, pub } = await setUp();
    await c.connect('sub-8');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'name', name: 'r/#' } });
    await c.expect('SUBACK');
    await pub.publish('r/refused', 'no');
    const reg = await c.expect('REGISTER');
    c.send({ type: 'REGACK', topicId: reg.topicId, msgId: reg.msgId, returnCode: ReturnCode.NOT_SUPPORTED });
    await pub.publish('r/accepted', 'yes');
    const reg2 = await c.expect('REGISTER');
    expect(reg2.topicName).toBe('r/accepted');
    c.send({ type: 'REGACK', topicId: reg2.topicId, msgId: reg2.msgId, returnCode: ReturnCode.ACCEPTED });
    expect((await c.expect('PUBLISH')).payload.toString()).toBe('yes');
  });

  it('a PUBACK 0x02 from the client makes the gateway REGISTER the topic again and resend (§6.10)', async () => {
    const { c, pub } = await setUp();
    await c.connect('sub-9');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'name', name: 'fix/me' } });
    const { topicId } = await c.expect('SUBACK');
    await pub.publish('fix/me', 'again', 1);
    const p = await c.expect('PUBLISH');
    c.send({ type: 'PUBACK', topicId, msgId: p.msgId, returnCode: ReturnCode.INVALID_TOPIC_ID });
    const reg = await c.expect('REGISTER');
    expect(reg.topicName).toBe('fix/me');
    c.send({ type: 'REGACK', topicId: reg.topicId, msgId: reg.msgId, returnCode: ReturnCode.ACCEPTED });
    const again = await c.expect('PUBLISH');
    expect(again).toMatchObject({ msgId: p.msgId, topic: { type: 'normal', id: reg.topicId } });
    expect(again.payload.toString()).toBe('again');
  });
});
