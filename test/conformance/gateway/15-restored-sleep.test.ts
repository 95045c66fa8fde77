/**
 * A sleeper restored after a gateway restart keeps its sleep deadline (MQTT-SN §6.14): the timer
 * counts from when it fell asleep (or last woke), saved with the gateway state, not from the
 * restart. An expired sleep publishes the will shortly after start-up. The gateway's clock is the
 * test's (GatewayDeps.now), so "200 s later" needs no waiting. Its buffer bound (sleepBufferSize)
 * comes back at its first wake-up.
 */
import { describe, expect, it } from 'vitest';
import { ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { closeAfterEach } from '../../helpers/mqttsn/close-after-each.js';
import { type Harness, MqttWatcher, startHarness, waitUntil } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

const bed = closeAfterEach();
const { clients, watchers } = bed;

const S = 1000;
let clock = 0;
const now = (): number => clock;

async function sleeper(h: Harness, id: string, duration: number): Promise<SnTestClient> {
  const c = await SnTestClient.open({ port: h.port });
  clients.push(c);
  await c.connect(id, { cleanSession: false, will: { topic: `wills/${id}`, message: `${id} never woke` } });
  c.send({ type: 'DISCONNECT', duration });
  await c.expect('DISCONNECT');
  return c;
}

async function restartAt(h: Harness, at: number): Promise<{ h2: Harness; wills: MqttWatcher }> {
  await h.close();
  clock = at;
  const h2 = await startHarness({ store: h.store, port: h.port, now });
  bed.harness = h2;
  const wills = await MqttWatcher.subscribe(h2.mqtt.port, 'wills/#');
  watchers.push(wills);
  return { h2, wills };
}

describe('15 sleep deadline across a restart', () => {
  it('a sleep that expired while the gateway was down publishes the will shortly after start-up', async () => {
    clock = Date.now();
    const t0 = clock;
    const h = await startHarness({ store: createMemoryStore(), now });
    bed.harness = h;
    await sleeper(h, 'overslept', 100); // lost after 110 s (§7.2: +10 % over a minute)
    const { h2, wills } = await restartAt(h, t0 + 200 * S);
    expect((await wills.waitFor(1))[0]).toMatchObject({
      topic: 'wills/overslept',
      payload: 'overslept never woke',
    });
    expect(h2.gateway.stats()).toMatchObject({ clientsLost: 1, clients: { asleep: 0 } });
  });

  it('a wake-up moves the saved sleep start: a client that woke before the restart is not lost', async () => {
    clock = Date.now();
    const t0 = clock;
    const h = await startHarness({ store: createMemoryStore(), now });
    bed.harness = h;
    const woke = await sleeper(h, 'woke', 100);
    await sleeper(h, 'sentinel', 100);
    clock = t0 + 100 * S;
    woke.send({ type: 'PINGREQ', clientId: 'woke' });
    await woke.expect('PINGRESP'); // asleep again from t0 + 100 s
    const { h2, wills } = await restartAt(h, t0 + 200 * S); // 100 s after the wake-up: within 110 s
    expect((await wills.waitFor(1)).map((m) => m.topic)).toEqual(['wills/sentinel']);
    expect(h2.gateway.stats().clients.asleep).toBe(1);
    woke.send({ type: 'PINGREQ', clientId: 'woke' });
    await woke.expect('PINGRESP');
    expect(wills.messages.map((m) => m.topic)).toEqual(['wills/sentinel']);
  });

  it('a restored sleeper holding more than sleepBufferSize gets the newest at its wake-up, and the bound again', async () => {
    clock = Date.now();
    const h = await startHarness({ store: createMemoryStore(), now, gateway: { sleepBufferSize: 10 } });
    bed.harness = h;
    const c = await SnTestClient.open({ port: h.port });
    clients.push(c);
    await c.connect('hoarder', { cleanSession: false });
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'short', name: 'hb' } });
    await c.expect('SUBACK');
    c.send({ type: 'DISCONNECT', duration: 600 });
    await c.expect('DISCONNECT');
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
    watchers.push(pub);
    for (let i = 1; i <= 5; i++) await pub.publish('hb', `m${i}`, 1);
    await Promise.all(watchers.splice(0).map((w) => w.close()));
    await h.close();
    const h2 = await startHarness({ store: h.store, port: h.port, now, gateway: { sleepBufferSize: 2 } });
    bed.harness = h2;
    const got: string[] = [];
    c.send({ type: 'PINGREQ', clientId: 'hoarder' });
    for (;;) {
      const p = await c.next();
      if (p.type === 'PINGRESP') break;
      if (p.type !== 'PUBLISH') throw new Error(`unexpected ${p.type}`);
      got.push(p.payload.toString());
      c.send({ type: 'PUBACK', topicId: 0, msgId: p.msgId, returnCode: ReturnCode.ACCEPTED });
    }
    // sleepBufferSize + the one a window of 1 may hold in flight; the oldest two are dropped.
    expect(got).toEqual(['m3', 'm4', 'm5']);
    expect(h2.gateway.stats().sleepBufferDropped).toBe(2);
    const pub2 = await MqttWatcher.subscribe(h2.mqtt.port, 'unused');
    watchers.push(pub2);
    for (let i = 6; i <= 9; i++) await pub2.publish('hb', `m${i}`, 1);
    await waitUntil(
      () => h2.gateway.stats().sleepBufferDropped === 4,
      5000,
      'the bound back after the wake-up',
    );
  });
});
