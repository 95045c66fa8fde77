/**
 * Additive core features the MQTT-SN gateway needs: one store.load() shared with the gateway
 * (BrokerDeps.loaded), a per-session queue bound (ConnectRequest.maxQueued, the sleep buffer of
 * MQTT-SN §6.14), and a link that holds deliveries back (ClientLink.accepting) so that a message
 * the front end did not send is never marked as sent (DUP only on re-sends, MQTT-SN §5.3.4).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../../src/store/memory.js';
import type { Store } from '../../../src/store/types.js';
import { connect, connectPersistent, FakeLink, makeBroker, message, publish, settle } from './helpers.js';

function countingLoads(inner: Store): { store: Store; loads: () => number } {
  let loads = 0;
  const store: Store = Object.create(inner) as Store;
  Object.defineProperty(store, 'load', {
    value: () => {
      loads++;
      return inner.load();
    },
  });
  return { store, loads: () => loads };
}

describe('BrokerDeps.loaded', () => {
  it('restores from the state given and does not read the store again', async () => {
    const memory = createMemoryStore();
    const first = makeBroker({}, { store: memory });
    const sub = connectPersistent(first, 'keeper');
    sub.session.subscribe([{ filter: 'k/#', qos: 1 }]);
    sub.session.disconnect({ publishWill: false });
    const pub = connect(first, 'pub');
    await publish(pub.session, message('k/1', 'kept', 1));
    await first.close();

    const { store, loads } = countingLoads(memory);
    const loaded = store.load();
    const second = makeBroker({}, { store, loaded });
    expect(loads()).toBe(1);
    const back = connectPersistent(second, 'keeper');
    expect(back.present).toBe(true);
    await settle();
    expect(back.link.payloads()).toEqual(['kept']);
    await second.close();
  });
});

describe('ConnectRequest.maxQueued (the MQTT-SN sleep buffer)', () => {
  function sleeper(broker: ReturnType<typeof makeBroker>, maxQueued: number) {
    const c = connect(broker, 'sensor', {
      cleanStart: false,
      sessionExpiry: 0xffffffff,
      queueQos0: true,
      maxQueued,
      info: { protocol: 'mqtt-sn', protocolVersion: 1, peer: 'udp:1', receiveMaximum: 1 },
    });
    c.session.subscribe([{ filter: 's/#', qos: 1 }]);
    c.session.detach();
    return c;
  }

  it('bounds the queue while detached: the oldest QoS 0 goes first, then the oldest; drops are counted', async () => {
    const broker = makeBroker({ maxQueuedMessages: 100 });
    const dropped: string[] = [];
    broker.on('messageDropped', (e) => dropped.push(`${e.clientId} ${e.topic} ${e.reason}`));
    const c = sleeper(broker, 3);
    const pub = connect(broker, 'pub');
    await publish(pub.session, message('s/a', 'q1-a', 1));
    await publish(pub.session, message('s/b', 'q0-b', 0));
    await publish(pub.session, message('s/c', 'q1-c', 1));
    expect(c.session.pendingCount()).toBe(3);
    await publish(pub.session, message('s/d', 'q1-d', 1)); // full: the QoS 0 goes
    await publish(pub.session, message('s/e', 'q1-e', 1)); // full, no QoS 0: the oldest goes
    expect(c.session.pendingCount()).toBe(3);
    expect(dropped).toEqual(['sensor s/b queue-full', 'sensor s/a queue-full']);
    expect(broker.metrics.publishDropped).toBe(2);
    const link = new FakeLink();
    link.onDeliver = (d) => {
      if (d.packetId !== undefined) back?.puback(d.packetId);
    };
    const back = broker.resume('sensor', link, {
      protocol: 'mqtt-sn',
      protocolVersion: 1,
      peer: 'udp:1',
      receiveMaximum: 1,
    });
    await settle();
    expect(link.payloads()).toEqual(['q1-c', 'q1-d', 'q1-e']);
    await broker.close();
  });

  it('without a session bound the broker-wide one applies (the new message is refused when no QoS 0 can go)', async () => {
    const broker = makeBroker({ maxQueuedMessages: 2 });
    const c = connectPersistent(broker, 'plain');
    c.session.subscribe([{ filter: 's/#', qos: 1 }]);
    c.session.disconnect({ publishWill: false });
    const pub = connect(broker, 'pub');
    for (const p of ['1', '2', '3']) await publish(pub.session, message('s/x', p, 1));
    const back = connectPersistent(broker, 'plain');
    back.link.onDeliver = (d) => back.session.puback(d.packetId ?? 0);
    await settle();
    expect(back.link.payloads()).toEqual(['1', '2']);
    await broker.close();
  });

  it('resume() can set the bound of a session that has none (restored from the store)', async () => {
    const broker = makeBroker({ maxQueuedMessages: 100 });
    const c = sleeper(broker, 0);
    const link = new FakeLink();
    const info = { protocol: 'mqtt-sn', protocolVersion: 1, peer: 'udp:1', receiveMaximum: 1 } as const;
    const handle = broker.resume('sensor', link, info, { maxQueued: 1 });
    await settle();
    handle?.detach();
    const pub = connect(broker, 'pub');
    for (const p of ['1', '2', '3']) await publish(pub.session, message('s/x', p, 1));
    expect(c.session.pendingCount()).toBe(1);
    await broker.close();
  });
});
