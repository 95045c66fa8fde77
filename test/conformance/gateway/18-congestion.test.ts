/**
 * Conformance 18: PUBACK 0x01 "rejected: congestion" (MQTT-SN §5.4.13, §6.6; issue 4 "PUBACK …
 * 0x01 on congestion"). A QoS 1/2 PUBLISH is acknowledged once durable; when maxPendingPublishes
 * of them already wait for the store, the next one is refused with 0x01 — not routed, counted,
 * logged — and the client may retry it later.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type PublishPacket, ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import type { Store } from '../../../src/store/types.js';
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

function reading(msgId: number, text: string): PublishPacket {
  return {
    type: 'PUBLISH',
    dup: false,
    qos: 1,
    retain: false,
    topic: { type: 'short', name: 'rd' },
    msgId,
    payload: Buffer.from(text),
  };
}

/** A memory store whose writes fail once `failing` is set (a full disk). */
function failingStore(): Store & { failing: boolean } {
  const inner = createMemoryStore();
  const store = Object.create(inner) as Store & { failing: boolean };
  store.failing = false;
  store.flush = (callback) =>
    inner.flush((error) => callback(store.failing ? new Error('disk full') : error));
  return store;
}

describe('18 congestion (MQTT-SN §6.6)', () => {
  it('a PUBLISH the store cannot make durable gets PUBACK 0x01 (try again later), not 0x00', async () => {
    const broken = failingStore();
    const h = await startHarness({ store: broken });
    harness = h;
    const c = await SnTestClient.open({ port: h.port });
    clients.push(c);
    expect(await c.connect('cg-disk')).toBe(ReturnCode.ACCEPTED);
    broken.failing = true;
    c.send(reading(1, 'lost on disk'));
    expect(await c.expect('PUBACK')).toMatchObject({ msgId: 1, returnCode: ReturnCode.CONGESTION });
    broken.failing = false;
    c.send(reading(2, 'kept'));
    expect(await c.expect('PUBACK')).toMatchObject({ msgId: 2, returnCode: ReturnCode.ACCEPTED });
    expect(h.gateway.stats().congestion).toBe(1);
  });

  it('beyond maxPendingPublishes waiting for the store, PUBACK 0x01; accepted again once it caught up', async () => {
    store = createGatedStore();
    const h = await startHarness({ store, gateway: { maxPendingPublishes: 2 } });
    harness = h;
    const watcher = await MqttWatcher.subscribe(h.mqtt.port, 'rd', 1);
    watchers.push(watcher);
    const sensors: SnTestClient[] = [];
    for (const id of ['cg-1', 'cg-2', 'cg-3']) {
      const c = await SnTestClient.open({ port: h.port });
      clients.push(c);
      sensors.push(c);
      expect(await c.connect(id)).toBe(ReturnCode.ACCEPTED);
    }
    const [a, b, c] = sensors as [SnTestClient, SnTestClient, SnTestClient];
    store.hold(); // the disk is behind
    a.send(reading(1, 'a'));
    b.send(reading(1, 'b'));
    await watcher.waitFor(2); // both routed, neither durable yet
    expect(store.held).toBeGreaterThan(0);
    c.send(reading(1, 'c'));
    expect(await c.expect('PUBACK')).toEqual({
      type: 'PUBACK',
      topicId: 0x7264, // 'rd' as a short topic name
      msgId: 1,
      returnCode: ReturnCode.CONGESTION,
    });
    expect(h.gateway.stats().congestion).toBe(1);
    expect(
      h.logLines.some(
        (l) => l.includes('refused with return code 0x01') && l.includes('maxPendingPublishes'),
      ),
    ).toBe(true);
    store.release();
    expect((await a.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    expect((await b.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    c.send(reading(2, 'c again'));
    expect((await c.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    // The refused PUBLISH was never routed: the subscriber has a, b and the retry only.
    expect((await watcher.waitFor(3)).map((m) => m.payload)).toEqual(['a', 'b', 'c again']);
    expect(await c.drain(100)).toEqual([]);
  });
});
