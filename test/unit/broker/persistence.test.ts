/**
 * The core with a store (issue 3): every change mirrored, QoS 1/2 acknowledged only after
 * store.flush, and a restarted broker rebuilt from store.load(). "Restart" = close the broker
 * and build a new one on the same store (the memory store reopens on load(); SQLite for real).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../../src/broker/index.js';
import { ReasonCode } from '../../../src/broker/types.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { createSqliteStore } from '../../../src/store/sqlite.js';
import type { Store } from '../../../src/store/types.js';
import {
  connect,
  connectPersistent,
  FakeLink,
  linkInfo,
  makeBroker,
  message,
  publish,
  settle,
} from './helpers.js';

/** A store wrapper that counts mutations and can hold flush callbacks back. */
function spyStore(inner: Store) {
  const calls: string[] = [];
  const held: (() => void)[] = [];
  let hold = false;
  const record =
    <A extends unknown[]>(name: string, f: (...args: A) => void) =>
    (...args: A): void => {
      calls.push(name);
      f(...args);
    };
  const store: Store = {
    load: () => inner.load(),
    saveSession: record('saveSession', (s) => inner.saveSession(s)),
    deleteSession: record('deleteSession', (c) => inner.deleteSession(c)),
    saveSubscription: record('saveSubscription', (c, s) => inner.saveSubscription(c, s)),
    deleteSubscription: record('deleteSubscription', (c, f) => inner.deleteSubscription(c, f)),
    saveRetained: record('saveRetained', (t, m) => inner.saveRetained(t, m)),
    saveMessage: record('saveMessage', (m) => inner.saveMessage(m)),
    saveOutgoing: record('saveOutgoing', (e) => inner.saveOutgoing(e)),
    deleteOutgoing: record('deleteOutgoing', (c, s) => inner.deleteOutgoing(c, s)),
    saveIncomingQos2: record('saveIncomingQos2', (c, p) => inner.saveIncomingQos2(c, p)),
    deleteIncomingQos2: record('deleteIncomingQos2', (c, p) => inner.deleteIncomingQos2(c, p)),
    saveGatewayState: (c, s) => inner.saveGatewayState(c, s),
    deleteGatewayState: (c) => inner.deleteGatewayState(c),
    flush: (cb) => {
      calls.push('flush');
      if (hold) held.push(() => inner.flush(cb));
      else inner.flush(cb);
    },
    close: () => inner.close(),
  };
  return {
    store,
    calls,
    count: (name: string) => calls.filter((c) => c === name).length,
    holdFlushes: () => {
      hold = true;
    },
    releaseFlushes: () => {
      hold = false;
      for (const f of held.splice(0)) f();
    },
  };
}

const brokers: Broker[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function start(store: Store, now?: () => number): Broker {
  const broker = makeBroker({}, now ? { store, now } : { store });
  brokers.push(broker);
  return broker;
}

async function restart(broker: Broker, store: Store, now?: () => number): Promise<Broker> {
  await broker.close();
  return start(store, now);
}

describe('persistence', () => {
  it('acknowledges QoS 1 only after the store flushed (group commit)', async () => {
    const spy = spyStore(createMemoryStore());
    const broker = start(spy.store);
    const sub = connectPersistent(broker, 'sub');
    sub.session.subscribe([{ filter: 't', qos: 1 }]);
    sub.session.disconnect({ publishWill: false });
    const pub = connect(broker, 'pub');
    spy.holdFlushes();
    let acked = false;
    pub.session.publish(message('t', 'x', 1), () => {
      acked = true;
    });
    await settle();
    expect(acked).toBe(false);
    spy.releaseFlushes();
    await settle();
    expect(acked).toBe(true);
  });

  it('stores a message once however many sessions queue it; sessions with expiry 0 never', async () => {
    const spy = spyStore(createMemoryStore());
    const broker = start(spy.store);
    for (const id of ['a', 'b', 'c']) {
      const s = connectPersistent(broker, id);
      s.session.subscribe([{ filter: 't', qos: 1 }]);
      s.session.disconnect({ publishWill: false });
    }
    const volatile = connect(broker, 'v');
    volatile.session.subscribe([{ filter: 't', qos: 1 }]);
    await publish(connect(broker, 'pub').session, message('t', 'x', 1));
    expect(spy.count('saveMessage')).toBe(1);
    expect(spy.count('saveOutgoing')).toBe(3);
    const loaded = spy.store.load();
    expect(loaded.sessions.map((s) => s.clientId).sort()).toEqual(['a', 'b', 'c']);
  });

  it('restores sessions, subscriptions, queues in order, and sessionPresent', async () => {
    const store = createMemoryStore();
    let broker = start(store);
    const sub = connectPersistent(broker, 'sub');
    sub.session.subscribe([{ filter: 'q/#', qos: 2, subscriptionId: 9 }]);
    sub.session.disconnect({ publishWill: false });
    const pub = connect(broker, 'pub');
    for (let i = 1; i <= 5; i++)
      await publish(pub.session, message(`q/${i % 2}`, String(i), (1 + (i % 2)) as 1 | 2));
    broker = await restart(broker, store);
    const back = connectPersistent(broker, 'sub');
    expect(back.present).toBe(true);
    expect(back.session.subscriptions()).toEqual([{ filter: 'q/#', qos: 2, subscriptionId: 9 }]);
    await settle();
    expect(back.link.payloads()).toEqual(['1', '2', '3', '4', '5']);
    expect(back.link.deliveries.every((d) => d.subscriptionIds?.[0] === 9)).toBe(true);
    // and the routing still works after the restart
    await publish(connect(broker, 'pub2').session, message('q/x', 'after', 1));
    expect(back.link.payloads()).toContain('after');
  });

  it('after a restart, an offline v5 session still gets one copy per overlapping subscription', async () => {
    const store = createMemoryStore();
    let broker = start(store);
    const v5 = connect(broker, 'v5', { cleanStart: false, sessionExpiry: 300 });
    v5.session.subscribe([
      { filter: 'o/#', qos: 1 },
      { filter: 'o/x', qos: 1 },
    ]);
    v5.session.disconnect({ publishWill: false });
    const v4 = connectPersistent(broker, 'v4');
    v4.session.subscribe([
      { filter: 'o/#', qos: 1 },
      { filter: 'o/x', qos: 1 },
    ]);
    v4.session.disconnect({ publishWill: false });
    broker = await restart(broker, store);
    await publish(connect(broker, 'pub').session, message('o/x', 'm', 1));
    const backV5 = connect(broker, 'v5', { cleanStart: false, sessionExpiry: 300 });
    const backV4 = connectPersistent(broker, 'v4');
    await settle();
    expect(backV5.link.payloads()).toEqual(['m', 'm']);
    expect(backV4.link.payloads()).toEqual(['m']);
  });

  it('restores in-flight messages: PUBLISH again with DUP=1, PUBREL for released ones', async () => {
    const store = createMemoryStore();
    let broker = start(store);
    const sub = connectPersistent(broker, 'sub');
    sub.session.subscribe([{ filter: 't', qos: 2 }]);
    const pub = connect(broker, 'pub');
    await publish(pub.session, message('t', 'released', 2));
    await publish(pub.session, message('t', 'sent', 2));
    const [released, sent] = sub.link.deliveries;
    sub.session.pubrec(released!.packetId!);
    broker = await restart(broker, store);
    const back = connectPersistent(broker, 'sub');
    await settle();
    expect(back.link.releases).toEqual([released!.packetId]);
    expect(back.link.deliveries.map((d) => [d.payload.toString(), d.dup, d.packetId])).toEqual([
      ['sent', true, sent!.packetId],
    ]);
    expect(back.session.pubcomp(released!.packetId!)).toBe(true);
    expect(back.session.pubrec(sent!.packetId!)).toBe(true);
    expect(back.session.pubcomp(sent!.packetId!)).toBe(true);
    expect(store.load().outgoing).toEqual([]);
  });

  it('keeps inbound QoS 2 ids across a restart: a re-sent PUBLISH is not routed twice', async () => {
    const store = createMemoryStore();
    let broker = start(store);
    const pub = connectPersistent(broker, 'pub');
    await publish(pub.session, message('t', 'once', 2, { packetId: 42 }));
    broker = await restart(broker, store);
    const watcher = connect(broker, 'w');
    watcher.session.subscribe([{ filter: 't', qos: 0 }]);
    const again = connectPersistent(broker, 'pub');
    expect(await publish(again.session, message('t', 'once', 2, { packetId: 42, dup: true }))).toEqual({
      reason: ReasonCode.Success,
    });
    expect(watcher.link.deliveries).toHaveLength(0);
    expect(await new Promise((r) => again.session.pubrel(42, r))).toBe(ReasonCode.Success);
    expect(store.load().incomingQos2).toEqual([]);
  });

  it('restores retained messages; a cleared one stays cleared', async () => {
    const store = createMemoryStore();
    let broker = start(store);
    broker.publish({ topic: 'r/a', payload: Buffer.from('A'), qos: 1, retain: true });
    broker.publish({ topic: 'r/b', payload: Buffer.from('B'), qos: 1, retain: true });
    broker.publish({ topic: 'r/b', payload: Buffer.alloc(0), qos: 1, retain: true });
    broker = await restart(broker, store);
    const c = connect(broker, 'c');
    c.session.subscribe([{ filter: 'r/#', qos: 1 }]);
    await settle();
    expect(c.link.payloads()).toEqual(['A']);
  });

  it('stores a retained message again when it is queued after its first stored copy was deleted', async () => {
    const store = createMemoryStore();
    let broker = start(store);
    const first = connectPersistent(broker, 'first');
    first.session.subscribe([{ filter: 'r', qos: 1 }]);
    await publish(connect(broker, 'pub').session, message('r', 'kept', 1, { retain: true }));
    first.session.puback(first.link.deliveries[0]!.packetId!); // last reference gone → row deleted
    const late = connectPersistent(broker, 'late', false);
    late.session.subscribe([{ filter: 'r', qos: 1 }]);
    late.session.disconnect({ publishWill: false }); // before the retained offer: it is queued
    await settle();
    broker = await restart(broker, store);
    const back = connectPersistent(broker, 'late');
    await settle();
    expect(back.link.payloads()).toEqual(['kept']);
  });

  it('carries a pending delayed will over a restart, and purges sessions that expired meanwhile', async () => {
    const store = createMemoryStore();
    let now = 10_000_000;
    const clock = () => now;
    let broker = start(store, clock);
    const will = {
      topic: 'will',
      payload: Buffer.from('late'),
      qos: 1 as const,
      retain: true,
      delayInterval: 5,
    };
    connect(broker, 'dying', { cleanStart: false, sessionExpiry: 3600, will }).session.disconnect({
      publishWill: true,
    });
    connect(broker, 'short', { cleanStart: false, sessionExpiry: 2 }).session.disconnect({
      publishWill: false,
    });
    now += 10_000; // both the will delay and the short session's expiry pass while we are down
    broker = await restart(broker, store, clock);
    const c = connect(broker, 'c');
    c.session.subscribe([{ filter: 'will', qos: 1 }]);
    await settle();
    expect(c.link.deliveries.map((d) => [d.payload.toString(), d.retain])).toEqual([['late', true]]);
    expect(connect(broker, 'short', { cleanStart: false, sessionExpiry: 2 }).present).toBe(false);
    expect(connect(broker, 'dying', { cleanStart: false, sessionExpiry: 3600 }).present).toBe(true);
  });

  it('a sleeping MQTT-SN session comes back asleep with its will and its buffer', async () => {
    const store = createMemoryStore();
    let broker = start(store);
    const snInfo = linkInfo({ protocol: 'mqtt-sn', protocolVersion: 1, receiveMaximum: 1 });
    const will = { topic: 'will', payload: Buffer.from('sensor lost'), qos: 0 as const, retain: false };
    const sensor = connect(broker, 'sensor', {
      cleanStart: false,
      sessionExpiry: 3600,
      queueQos0: true,
      will,
      info: snInfo,
    });
    sensor.session.subscribe([{ filter: 'cmd', qos: 0 }]);
    sensor.session.detach();
    connect(broker, 'pub').session.publish(message('cmd', 'wake up'));
    broker = await restart(broker, store);
    const link = new FakeLink();
    const handle = broker.resume('sensor', link, snInfo);
    await settle();
    expect(link.payloads()).toEqual(['wake up']);
    expect(link.drainedCalls).toBe(1);
    handle!.detach();
    const watcher = connect(broker, 'w');
    watcher.session.subscribe([{ filter: 'will', qos: 0 }]);
    broker.expire('sensor', true);
    expect(watcher.link.payloads()).toEqual(['sensor lost']);
  });

  it('survives a restart on the SQLite store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'broker-sqlite-'));
    dirs.push(dir);
    let store = createSqliteStore({ directory: dir, sync: 'normal' });
    let broker = start(store);
    const sub = connectPersistent(broker, 'sub');
    sub.session.subscribe([{ filter: 'd/+', qos: 1 }]);
    sub.session.disconnect({ publishWill: false });
    const pub = connect(broker, 'pub');
    for (let i = 0; i < 20; i++) await publish(pub.session, message(`d/${i % 3}`, String(i), 1));
    await broker.close();
    await store.close();
    store = createSqliteStore({ directory: dir, sync: 'normal' });
    broker = start(store);
    // A client that acks each PUBLISH as it arrives (re-entrant call from inside deliver).
    const link = new FakeLink();
    const back = connect(broker, 'sub', { cleanStart: false, sessionExpiry: 0xffffffff, link });
    link.onDeliver = (d) => back.session.puback(d.packetId!);
    expect(back.present).toBe(true);
    await settle();
    expect(back.session.pendingCount()).toBe(0);
    expect(back.link.payloads()).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    await broker.close();
    await store.close();
  });
});
