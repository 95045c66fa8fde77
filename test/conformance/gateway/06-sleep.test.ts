/**
 * Sleeping clients (MQTT-SN §6.14, Figures 4 and 5): DISCONNECT with Duration → asleep; everything
 * for the client is buffered (QoS 0 too); PINGREQ with ClientId → awake: REGISTER with its
 * PUBLISH for a wildcard subscription (Paho #121), each QoS≥1 acked before the next, PINGRESP last
 * (Paho #80, EMQX #4434/#4507); the sleep timer is the gateway's, its expiry publishes the will
 * (seen by mosquitto_sub); a client waking from a new source port keeps its session (Paho #184).
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { type MqttSnPacket, ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { type Harness, MqttWatcher, startHarness, waitUntil } from '../../helpers/mqttsn/harness.js';
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

async function open(h: Harness): Promise<SnTestClient> {
  const c = await SnTestClient.open({ port: h.port });
  clients.push(c);
  return c;
}

/** Connect, subscribe to `filter` at `qos`, go to sleep for `duration` seconds. */
async function sleeper(
  h: Harness,
  id: string,
  filter: string,
  qos: 0 | 1 | 2,
  duration = 60,
): Promise<SnTestClient> {
  const c = await open(h);
  await c.connect(id, { cleanSession: false, will: { topic: `wills/${id}`, message: `${id} never woke` } });
  c.send({ type: 'SUBSCRIBE', dup: false, qos, msgId: 1, topic: { type: 'name', name: filter } });
  await c.expect('SUBACK');
  c.send({ type: 'DISCONNECT', duration });
  await c.expect('DISCONNECT');
  return c;
}

/** Answer everything the gateway sends during a wake-up until PINGRESP; returns what came. */
async function flush(c: SnTestClient): Promise<MqttSnPacket[]> {
  const seen: MqttSnPacket[] = [];
  for (;;) {
    const p = await c.next();
    seen.push(p);
    if (p.type === 'PINGRESP') return seen;
    if (p.type === 'REGISTER')
      c.send({ type: 'REGACK', topicId: p.topicId, msgId: p.msgId, returnCode: ReturnCode.ACCEPTED });
    if (p.type === 'PUBLISH' && p.qos === 1) {
      c.send({
        type: 'PUBACK',
        topicId: p.topic.type === 'normal' ? p.topic.id : 0,
        msgId: p.msgId,
        returnCode: ReturnCode.ACCEPTED,
      });
    }
    if (p.type === 'PUBLISH' && p.qos === 2) c.send({ type: 'PUBREC', msgId: p.msgId });
    if (p.type === 'PUBREL') c.send({ type: 'PUBCOMP', msgId: p.msgId });
  }
}

function summary(packets: MqttSnPacket[]): string[] {
  return packets.map((p) => {
    if (p.type === 'REGISTER') return `REGISTER ${p.topicName}`;
    if (p.type === 'PUBLISH') return `PUBLISH q${p.qos} ${p.payload.toString()}`;
    return p.type;
  });
}

describe('06 sleeping clients (MQTT-SN §6.14)', () => {
  it('buffers while asleep; on PINGREQ(ClientId): REGISTER+PUBLISH in order, each acked, PINGRESP last', async () => {
    const h = await startHarness();
    harness = h;
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
    watchers.push(pub);
    const c = await sleeper(h, 'sleepy-1', 'house/#', 1);
    expect(h.gateway.stats().clients.asleep).toBe(1);
    await pub.publish('house/kitchen/temp', 'k1', 1);
    await pub.publish('house/hall/temp', 'h1', 0);
    await pub.publish('house/kitchen/temp', 'k2', 1);
    expect(await c.drain(100)).toEqual([]); // nothing is sent to a sleeping client
    c.send({ type: 'PINGREQ', clientId: 'sleepy-1' });
    const seen = await flush(c);
    expect(summary(seen)).toEqual([
      'REGISTER house/kitchen/temp',
      'PUBLISH q1 k1',
      'REGISTER house/hall/temp',
      'PUBLISH q0 h1',
      'PUBLISH q1 k2',
      'PINGRESP',
    ]);
    expect(h.gateway.stats().clients.asleep).toBe(1);
    // Nothing new: PINGRESP at once, and nothing is delivered twice (emqx-sn #28).
    c.send({ type: 'PINGREQ', clientId: 'sleepy-1' });
    expect(summary([await c.next()])).toEqual(['PINGRESP']);
  });

  it('sleep-timer expiry publishes the will, seen by mosquitto_sub', async () => {
    const h = await startHarness({ gateway: { keepAliveTolerance: 1.5 } });
    harness = h;
    const sub = mosquittoSub(h.mqtt.port, 'wills/#');
    children.push(sub.child);
    await sub.ready;
    await sleeper(h, 'sleepy-2', 'x/#', 0, 1);
    expect(await sub.output).toContain('wills/sleepy-2 sleepy-2 never woke');
    expect(h.gateway.stats()).toMatchObject({ clientsLost: 1, clients: { asleep: 0, lost: 1 } });
  });

  it('a PINGREQ before the sleep timer expires keeps the client asleep (no will)', async () => {
    const h = await startHarness();
    harness = h;
    const w = await MqttWatcher.subscribe(h.mqtt.port, 'wills/#');
    watchers.push(w);
    const c = await sleeper(h, 'sleepy-3', 'x/#', 0, 1);
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      c.send({ type: 'PINGREQ', clientId: 'sleepy-3' });
      await c.expect('PINGRESP');
    }
    expect(w.messages).toEqual([]);
    expect(h.gateway.stats().clients.asleep).toBe(1);
  });

  it('a client waking up from a new source port gets its buffered messages there', async () => {
    const h = await startHarness();
    harness = h;
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
    watchers.push(pub);
    const before = await sleeper(h, 'roamer', 'cmd/roamer', 1);
    await pub.publish('cmd/roamer', 'for you', 1);
    const after = await open(h);
    expect(after.localPort).not.toBe(before.localPort);
    after.send({ type: 'PINGREQ', clientId: 'roamer' });
    expect(summary(await flush(after))).toEqual(['PUBLISH q1 for you', 'PINGRESP']);
    expect(await before.drain(50)).toEqual([]);
    // The new address is the client's now: an active CONNECT from it keeps the session (and its
    // topic id, REGISTERed again once per connection, §6.10 "re-connects without CleanSession").
    expect(await after.connect('roamer', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    await pub.publish('cmd/roamer', 'again', 1);
    const register = await after.expect('REGISTER');
    after.send({
      type: 'REGACK',
      topicId: register.topicId,
      msgId: register.msgId,
      returnCode: ReturnCode.ACCEPTED,
    });
    const p = await after.expect('PUBLISH');
    expect(p).toMatchObject({ topic: { type: 'normal', id: register.topicId } });
    expect(p.payload.toString()).toBe('again');
  });

  it('with wakeupFromNewAddress off, a PINGREQ from a new port gets DISCONNECT', async () => {
    const h = await startHarness({ gateway: { wakeupFromNewAddress: false } });
    harness = h;
    await sleeper(h, 'pinned', 'cmd/pinned', 1);
    const other = await open(h);
    other.send({ type: 'PINGREQ', clientId: 'pinned' });
    await other.expect('DISCONNECT');
  });

  it('bounds the buffer to sleepBufferSize while asleep (the oldest go, counted), the newest come at wake-up', async () => {
    const h = await startHarness({ gateway: { sleepBufferSize: 2 } });
    harness = h;
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
    watchers.push(pub);
    const c = await sleeper(h, 'sleepy-4', 'b/#', 1);
    for (let i = 1; i <= 5; i++) await pub.publish('b/n', `m${i}`, 1);
    // Enforced by the core as the messages come, not only at wake-up.
    await waitUntil(() => h.gateway.stats().sleepBufferDropped === 3, 5000, '3 drops while asleep');
    c.send({ type: 'PINGREQ', clientId: 'sleepy-4' });
    expect(summary(await flush(c))).toEqual(['REGISTER b/n', 'PUBLISH q1 m4', 'PUBLISH q1 m5', 'PINGRESP']);
    expect(h.gateway.stats().sleepBufferDropped).toBe(3);
  });

  it('CONNECT while asleep makes the client active and delivers what was buffered', async () => {
    const h = await startHarness();
    harness = h;
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
    watchers.push(pub);
    const c = await sleeper(h, 'sleepy-5', 'cmd/sleepy-5', 0);
    await pub.publish('cmd/sleepy-5', 'queued q0', 0);
    expect(await c.connect('sleepy-5', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    const register = await c.expect('REGISTER'); // §6.10: the kept id is told again after a CONNECT
    expect(register.topicName).toBe('cmd/sleepy-5');
    c.send({
      type: 'REGACK',
      topicId: register.topicId,
      msgId: register.msgId,
      returnCode: ReturnCode.ACCEPTED,
    });
    const p = await c.expect('PUBLISH');
    expect(p.payload.toString()).toBe('queued q0');
    expect(h.gateway.stats().clients).toMatchObject({ active: 1, asleep: 0 });
  });

  it('DISCONNECT without duration while asleep → disconnected, no will', async () => {
    const h = await startHarness({ gateway: { keepAliveTolerance: 1.5 } });
    harness = h;
    const w = await MqttWatcher.subscribe(h.mqtt.port, 'wills/#');
    watchers.push(w);
    const c = await sleeper(h, 'sleepy-6', 'x', 0, 1);
    c.send({ type: 'DISCONNECT' });
    await c.expect('DISCONNECT');
    await new Promise((resolve) => setTimeout(resolve, 2200)); // past 1 s × 1.5 + one wheel slot
    expect(w.messages).toEqual([]);
    expect(h.gateway.stats().clients).toMatchObject({ asleep: 0, disconnected: 1 });
  });

  it("a PINGREQ without ClientId from the sleeper's own address also wakes it (lenient)", async () => {
    const h = await startHarness();
    harness = h;
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
    watchers.push(pub);
    const c = await sleeper(h, 'sleepy-7', 'cmd/sleepy-7', 1);
    await pub.publish('cmd/sleepy-7', 'hello', 1);
    c.send({ type: 'PINGREQ' });
    expect(summary(await flush(c))).toEqual(['PUBLISH q1 hello', 'PINGRESP']);
  });

  it('a sleeper that stops answering during its wake-up goes back to asleep, not lost; the message waits (DUP)', async () => {
    const h = await startHarness({ gateway: { tRetry: 0.2, nRetry: 1 } });
    harness = h;
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'wills/#');
    watchers.push(pub);
    const c = await sleeper(h, 'drowsy', 'cmd/drowsy', 1);
    await pub.publish('cmd/drowsy', 'important', 1);
    c.send({ type: 'PINGREQ', clientId: 'drowsy' });
    const first = await c.expect('PUBLISH');
    expect((await c.expect('PUBLISH')).dup).toBe(true); // one re-send, then the gateway gives up
    await waitUntil(() => h.gateway.stats().clients.asleep === 1, 5000, 'back to asleep');
    expect(h.gateway.stats().clientsLost).toBe(0);
    c.send({ type: 'PINGREQ', clientId: 'drowsy' });
    const again = await c.expect('PUBLISH');
    expect(again).toMatchObject({ dup: true, msgId: first.msgId });
    expect(again.payload.toString()).toBe('important');
    c.send({
      type: 'PUBACK',
      topicId: first.topic.type === 'normal' ? first.topic.id : 0,
      msgId: again.msgId,
      returnCode: ReturnCode.ACCEPTED,
    });
    await c.expect('PINGRESP');
    expect(pub.messages).toEqual([]); // no will
  });

  it('a message routed during the flush waits for the next wake-up (a busy topic cannot keep a sleeper awake), then goes without DUP', async () => {
    const h = await startHarness({ gateway: { tRetry: 5 } });
    harness = h;
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
    watchers.push(pub);
    const c = await sleeper(h, 'busy', 'busy/topic', 1);
    await pub.publish('busy/topic', 'old-1', 1);
    await pub.publish('busy/topic', 'old-2', 1);
    c.send({ type: 'PINGREQ', clientId: 'busy' });
    const first = await c.expect('PUBLISH');
    await pub.publish('busy/topic', 'new', 1); // routed while the client is awake
    const topicId = first.topic.type === 'normal' ? first.topic.id : 0;
    c.send({ type: 'PUBACK', topicId, msgId: first.msgId, returnCode: ReturnCode.ACCEPTED });
    const second = await c.expect('PUBLISH');
    c.send({ type: 'PUBACK', topicId, msgId: second.msgId, returnCode: ReturnCode.ACCEPTED });
    await c.expect('PINGRESP');
    expect([first, second].map((p) => p.payload.toString())).toEqual(['old-1', 'old-2']);
    c.send({ type: 'PINGREQ', clientId: 'busy' });
    const next = await flush(c);
    expect(summary(next)).toEqual(['PUBLISH q1 new', 'PINGRESP']);
    // Never sent before: DUP=0 (MQTT-SN §5.3.4, DUP only on re-sends).
    expect(next[0]).toMatchObject({ type: 'PUBLISH', dup: false });
  });
});
