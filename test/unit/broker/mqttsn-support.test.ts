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
