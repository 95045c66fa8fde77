/**
 * QoS 2 to a client: the PUBREL goes out only once the core's 'released' state is durable
 * (SessionHandle.pubrec's `done`). Otherwise a crash between PUBREC and the store write would
 * re-send the PUBLISH after the client already had a PUBREL — a second delivery (MQTT §4.3.3,
 * MQTT-SN §6.7 QoS 2 flow).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createGatedStore, type GatedStore } from '../../helpers/mqttsn/gated-store.js';
import { type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let harness: Harness | undefined;
let store: GatedStore | undefined;
const clients: SnTestClient[] = [];
const watchers: MqttWatcher[] = [];

afterEach(async () => {
  store?.release();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await harness?.close();
  harness = undefined;
});

describe('13 QoS 2 delivery: PUBREL after the released state is durable', () => {
  it('holds PUBREL until the store has flushed the PUBREC', async () => {
    store = createGatedStore();
    const h = await startHarness({ store, gateway: { tRetry: 5 } });
    harness = h;
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
    watchers.push(pub);
    const c = await SnTestClient.open({ port: h.port });
    clients.push(c);
    await c.connect('q2-durable', { cleanSession: false });
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 2, msgId: 1, topic: { type: 'short', name: 'q2' } });
    await c.expect('SUBACK');
    await pub.publish('q2', 'exactly once', 2);
    const p = await c.expect('PUBLISH');
    expect(p.qos).toBe(2);
    store.hold();
    c.send({ type: 'PUBREC', msgId: p.msgId });
    expect(await c.drain(150)).toEqual([]); // not durable yet: no PUBREL
    expect(store.held).toBeGreaterThan(0);
    store.release();
    expect((await c.expect('PUBREL')).msgId).toBe(p.msgId);
    c.send({ type: 'PUBCOMP', msgId: p.msgId });
    expect(await c.drain(50)).toEqual([]);
  });
});
