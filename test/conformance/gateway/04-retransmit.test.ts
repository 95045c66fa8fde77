/**
 * The gateway's own retransmission (MQTT-SN §6.13 applied gateway-side, §7.2; DESIGN.md "QoS
 * mapping"): a client that withholds its acks gets the PUBLISH again with DUP set every T_retry;
 * after N_retry re-sends it is lost and its will is published, seen by an MQTT subscriber.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { mosquittoSub } from '../../helpers/mqttsn/mosquitto.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let harness: Harness | undefined;
const clients: SnTestClient[] = [];
const watchers: MqttWatcher[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await harness?.close();
  harness = undefined;
});

async function setUp(): Promise<{ c: SnTestClient; w: MqttWatcher; h: Harness }> {
  const h = await startHarness({ gateway: { tRetry: 0.2, nRetry: 2 } });
  harness = h;
  const w = await MqttWatcher.subscribe(h.mqtt.port, 'wills/#');
  watchers.push(w);
  const c = await SnTestClient.open({ port: h.port });
  clients.push(c);
  return { c, w, h };
}

describe('04 retransmission (MQTT-SN §6.13, §7.2)', () => {
  it('re-sends an unacknowledged QoS 1 PUBLISH with DUP, then declares the client lost and publishes its will', async () => {
    const { c, w, h } = await setUp();
    await c.connect('rt-1', { will: { topic: 'wills/rt-1', message: 'rt-1 lost', qos: 1 } });
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'name', name: 'cmd/rt-1' } });
    await c.expect('SUBACK');
    await w.publish('cmd/rt-1', 'ack me', 1);
    const first = await c.expect('PUBLISH');
    expect(first.dup).toBe(false);
    const second = await c.expect('PUBLISH');
    const third = await c.expect('PUBLISH');
    for (const again of [second, third]) expect(again).toMatchObject({ dup: true, msgId: first.msgId });
    const [will] = await w.waitFor(1);
    expect(will).toMatchObject({ topic: 'wills/rt-1', payload: 'rt-1 lost' });
    expect(h.gateway.stats()).toMatchObject({ retransmissions: 2, clientsLost: 1 });
    expect(h.logLines.some((l) => l.includes('rt-1') && l.includes('lost'))).toBe(true);
  });

  it('N_retry exhausted: mosquitto_sub sees the will (DESIGN.md "QoS mapping")', async () => {
    const { c, w, h } = await setUp();
    const sub = mosquittoSub(h.mqtt.port, 'wills/rt-5');
    children.push(sub.child);
    await sub.ready;
    await c.connect('rt-5', { will: { topic: 'wills/rt-5', message: 'rt-5 unreachable' } });
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'short', name: 'r5' } });
    await c.expect('SUBACK');
    await w.publish('r5', 'never acked', 1);
    for (const dup of [false, true, true]) expect((await c.expect('PUBLISH')).dup).toBe(dup);
    expect(await sub.output).toContain('wills/rt-5 rt-5 unreachable');
  });

  it('re-sends an unanswered REGISTER (wildcard subscription) and gives up the same way', async () => {
    const { c, w } = await setUp();
    await c.connect('rt-2', { will: { topic: 'wills/rt-2', message: 'rt-2 lost' } });
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'name', name: 'all/#' } });
    await c.expect('SUBACK');
    await w.publish('all/x', 'needs an id');
    const reg = await c.expect('REGISTER');
    expect(await c.expect('REGISTER')).toEqual(reg);
    expect((await w.waitFor(1))[0]?.payload).toBe('rt-2 lost');
  });

  it('a client that acks the re-sent PUBLISH stays connected and gets the next message', async () => {
    const { c, w, h } = await setUp();
    await c.connect('rt-3');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'name', name: 'cmd/rt-3' } });
    const { topicId } = await c.expect('SUBACK');
    await w.publish('cmd/rt-3', 'one', 1);
    await w.publish('cmd/rt-3', 'two', 1);
    await c.expect('PUBLISH');
    const dup = await c.expect('PUBLISH');
    expect(dup.dup).toBe(true);
    c.send({ type: 'PUBACK', topicId, msgId: dup.msgId, returnCode: ReturnCode.ACCEPTED });
    const next = await c.expect('PUBLISH');
    expect(next).toMatchObject({ dup: false });
    expect(next.payload.toString()).toBe('two');
    c.send({ type: 'PUBACK', topicId, msgId: next.msgId, returnCode: ReturnCode.ACCEPTED });
    expect(h.gateway.stats().clients.active).toBe(1);
  });

  it('re-sends PUBREL until PUBCOMP comes (QoS 2 delivery)', async () => {
    const { c, w } = await setUp();
    await c.connect('rt-4');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 2, msgId: 1, topic: { type: 'name', name: 'cmd/rt-4' } });
    await c.expect('SUBACK');
    await w.publish('cmd/rt-4', 'two-phase', 2);
    const p = await c.expect('PUBLISH');
    c.send({ type: 'PUBREC', msgId: p.msgId });
    await c.expect('PUBREL');
    expect((await c.expect('PUBREL')).msgId).toBe(p.msgId);
    c.send({ type: 'PUBCOMP', msgId: p.msgId });
    await w.publish('cmd/rt-4', 'next', 2);
    expect((await c.expect('PUBLISH')).payload.toString()).toBe('next');
  });
});
