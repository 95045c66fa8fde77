/**
 * The store contract (src/store/types.ts): one suite that every Store implementation passes.
 * Run by memory-store.test.ts and sqlite-store.test.ts. DESIGN.md principle 7 (aedes-persistence
 * abstract.js), with MQTT 5 expiry covered from the start.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message, SubscriptionRequest } from '../../src/broker/types.js';
import type {
  LoadedState,
  Store,
  StoredMessage,
  StoredOutgoing,
  StoredSession,
} from '../../src/store/types.js';

/** One storage location for the duration of a test. */
export interface StoreHarness {
  /** A store on this location (the first call: empty storage). Call `load()` on it yourself. */
  open(): Store;
  /**
   * Drop the store as a crash would (no close, nothing pending written), so that open() on the same
   * location shows only what was durable.
   */
  crash(store: Store): void;
  cleanup(): Promise<void>;
}

export interface HarnessOptions {
  now: () => number;
}

export type HarnessFactory = (options: HarnessOptions) => Promise<StoreHarness> | StoreHarness;

export function flushed(store: Store): Promise<void> {
  return new Promise((resolve, reject) => store.flush((error) => (error ? reject(error) : resolve())));
}

/** Close and open again on the same storage: what a restart sees. */
export async function reopen(
  harness: StoreHarness,
  store: Store,
): Promise<{ store: Store; state: LoadedState }> {
  await store.close();
  const next = harness.open();
  return { store: next, state: next.load() };
}

/** A load()ed state with every unordered list sorted, for comparisons. */
export function canonical(state: LoadedState): LoadedState {
  const by =
    <T>(key: (item: T) => string) =>
    (a: T, b: T): number =>
      key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  return {
    ...state,
    sessions: [...state.sessions].sort(by((s) => s.clientId)),
    subscriptions: [...state.subscriptions].sort(by((s) => `${s.clientId}\u0000${s.subscription.filter}`)),
    retained: [...state.retained].sort(by((r) => r.topic)),
    messages: [...state.messages].sort((a, b) => a.id - b.id),
    incomingQos2: [...state.incomingQos2].sort(
      by((i) => `${i.clientId}\u0000${String(i.packetId).padStart(5, '0')}`),
    ),
    gatewayState: [...state.gatewayState].sort(by((g) => g.clientId)),
  };
}

const T0 = 1_800_000_000_000;

function fullWill(): NonNullable<StoredSession['will']> {
  return {
    topic: 'sensors/s1/status',
    payload: Buffer.from([0, 1, 2, 0xff]),
    qos: 1,
    retain: true,
    delayInterval: 30,
    expiresAt: T0 + 3_600_000,
    properties: {
      payloadFormatIndicator: true,
      messageExpiryInterval: 3600,
      contentType: 'text/plain',
      responseTopic: 'reply/s1',
      correlationData: Buffer.from('corr-\u00e9'),
      userProperties: { a: 'b', multi: ['x', 'y'] },
    },
  };
}

function message(id: number, overrides: Partial<StoredMessage> = {}): StoredMessage {
  return { id, topic: `t/${id}`, payload: Buffer.from(`payload ${id}`), qos: 1, retain: false, ...overrides };
}

function entry(clientId: string, seq: number, messageId: number, overrides: Partial<StoredOutgoing> = {}) {
  const result: StoredOutgoing = {
    clientId,
    seq,
    messageId,
    qos: 1,
    retain: false,
    state: 'queued',
    ...overrides,
  };
  return result;
}

function session(clientId: string, overrides: Partial<StoredSession> = {}): StoredSession {
  return { clientId, sessionExpiry: 0xffffffff, protocol: 'mqtt', ...overrides };
}

export function storeContract(name: string, factory: HarnessFactory): void {
  describe(`Store contract: ${name}`, () => {
    let clock = T0;
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      clock = T0;
      harness = await factory({ now: () => clock });
      store = harness.open();
    });

    afterEach(async () => {
      await store.close().catch(() => undefined);
      await harness.cleanup();
    });

    async function restart(): Promise<LoadedState> {
      const next = await reopen(harness, store);
      store = next.store;
      return next.state;
    }

    it('starts empty', () => {
      const state = store.load();
      expect(state).toEqual({
        sessions: [],
        subscriptions: [],
        retained: [],
        messages: [],
        outgoing: [],
        incomingQos2: [],
        gatewayState: [],
        lastMessageId: 0,
        lastSeq: 0,
      });
    });

    describe('sessions', () => {
      it('keep will, delayed will due time, expiry, queueQos0, protocol, next packet id', async () => {
        store.load();
        const saved = session('c1', {
          sessionExpiry: 120,
          disconnectedAt: T0 - 5000,
          will: fullWill(),
          willDueAt: T0 + 30_000,
          queueQos0: true,
          protocol: 'mqtt-sn',
          nextPacketId: 65535,
        });
        store.saveSession(saved);
        store.saveSession(session('c2'));
        await flushed(store);
        const state = await restart();
        expect(canonical(state).sessions).toEqual([saved, session('c2')]);
        const will = state.sessions[0]?.will;
        expect(Buffer.isBuffer(will?.payload)).toBe(true);
        expect(Buffer.isBuffer(will?.properties?.correlationData)).toBe(true);
      });

      it('a session saved again replaces the previous one (will cleared, now connected)', async () => {
        store.load();
        store.saveSession(session('c1', { will: fullWill(), disconnectedAt: T0, willDueAt: T0 + 1 }));
        await flushed(store);
        store.saveSession(session('c1', { sessionExpiry: 10 }));
        await flushed(store);
        expect((await restart()).sessions).toEqual([session('c1', { sessionExpiry: 10 })]);
      });

      it('keeps the value as it was when saved, not the caller object changed later', async () => {
        store.load();
        const live = session('c1', { will: fullWill() });
        store.saveSession(live);
        live.sessionExpiry = 1;
        live.will!.payload.fill(0x55);
        await flushed(store);
        const state = await restart();
        expect(state.sessions[0]?.sessionExpiry).toBe(0xffffffff);
        expect(state.sessions[0]?.will?.payload).toEqual(Buffer.from([0, 1, 2, 0xff]));
      });
    });

    describe('subscriptions', () => {
      const full: SubscriptionRequest = {
        filter: 'a/+/c',
        qos: 2,
        noLocal: true,
        retainAsPublished: true,
        retainHandling: 2,
        subscriptionId: 268_435_455,
      };

      it('round-trip every v5 option and the subscription identifier; plain 3.1.1 ones stay plain', async () => {
        store.load();
        const shared: SubscriptionRequest = { filter: '$share/group/sensors/#', qos: 1, retainHandling: 1 };
        const plain: SubscriptionRequest = { filter: '#', qos: 0 };
        const falsy: SubscriptionRequest = {
          filter: 'x',
          qos: 0,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 0,
        };
        for (const subscription of [full, shared, plain, falsy]) store.saveSubscription('c1', subscription);
        store.saveSubscription('c2', plain);
        await flushed(store);
        const state = canonical(await restart());
        expect(state.subscriptions).toEqual(
          canonical({
            ...state,
            subscriptions: [
              { clientId: 'c1', subscription: full },
              { clientId: 'c1', subscription: shared },
              { clientId: 'c1', subscription: plain },
              { clientId: 'c1', subscription: falsy },
              { clientId: 'c2', subscription: plain },
            ],
          }).subscriptions,
        );
      });

      it('a subscription to the same filter replaces the old one; delete removes only that filter', async () => {
        store.load();
        store.saveSubscription('c1', full);
        store.saveSubscription('c1', { filter: 'other', qos: 1 });
        await flushed(store);
        store.saveSubscription('c1', { filter: 'a/+/c', qos: 0 });
        store.deleteSubscription('c1', 'other');
        store.deleteSubscription('c1', 'never-subscribed');
        await flushed(store);
        expect((await restart()).subscriptions).toEqual([
          { clientId: 'c1', subscription: { filter: 'a/+/c', qos: 0 } },
        ]);
      });
    });

    describe('retained messages', () => {
      it('set, replace, clear, with expiry and properties', async () => {
        store.load();
        const withProperties: Message = {
          topic: 'r/1',
          payload: Buffer.from([9, 8, 7]),
          qos: 2,
          retain: true,
          expiresAt: T0 + 60_000,
          properties: {
            messageExpiryInterval: 60,
            correlationData: Buffer.from([1, 2]),
            userProperties: { k: ['v1', 'v2'], single: 'v' },
            contentType: 'application/octet-stream',
          },
        };
        store.saveRetained('r/1', { topic: 'r/1', payload: Buffer.from('old'), qos: 0, retain: true });
        store.saveRetained('r/2', { topic: 'r/2', payload: Buffer.from('two'), qos: 1, retain: true });
        store.saveRetained('r/3', { topic: 'r/3', payload: Buffer.from('three'), qos: 1, retain: true });
        await flushed(store);
        store.saveRetained('r/1', withProperties);
        store.saveRetained('r/2', undefined);
        await flushed(store);
        const state = canonical(await restart());
        expect(state.retained).toEqual([
          withProperties,
          { topic: 'r/3', payload: Buffer.from('three'), qos: 1, retain: true },
        ]);
        expect(Buffer.isBuffer(state.retained[0]?.properties?.correlationData)).toBe(true);
      });

      it('an empty payload is kept as an empty Buffer', async () => {
        store.load();
        store.saveRetained('e', { topic: 'e', payload: Buffer.alloc(0), qos: 0, retain: true });
        await flushed(store);
        const [retained] = (await restart()).retained;
        expect(Buffer.isBuffer(retained?.payload)).toBe(true);
        expect(retained?.payload.length).toBe(0);
      });

      it('retained messages that expired while stopped are purged on load; live ones stay', async () => {
        store.load();
        store.saveRetained('soon', {
          topic: 'soon',
          payload: Buffer.from('x'),
          qos: 0,
          retain: true,
          expiresAt: T0 + 10,
        });
        store.saveRetained('later', {
          topic: 'later',
          payload: Buffer.from('y'),
          qos: 0,
          retain: true,
          expiresAt: T0 + 10_000,
        });
        await flushed(store);
        clock = T0 + 1000;
        expect((await restart()).retained.map((r) => r.topic)).toEqual(['later']);
      });
    });

    describe('messages and outgoing queues', () => {
      it('keep queued / sent / released entries with packet ids, in seq order', async () => {
        store.load();
        store.saveMessage(
          message(1, { qos: 2, properties: { userProperties: { a: '1' } }, expiresAt: T0 + 9999 }),
        );
        store.saveMessage(message(2));
        // Submitted out of seq order: load() returns them by seq.
        store.saveOutgoing(entry('c1', 12, 2));
        store.saveOutgoing(
          entry('c1', 10, 1, { qos: 2, state: 'sent', packetId: 7, subscriptionIds: [3, 4] }),
        );
        store.saveOutgoing(entry('c1', 11, 1, { qos: 1, retain: true }));
        await flushed(store);
        store.saveOutgoing(
          entry('c1', 10, 1, { qos: 2, state: 'released', packetId: 7, subscriptionIds: [3, 4] }),
        );
        store.saveOutgoing(entry('c1', 11, 1, { qos: 1, retain: true, state: 'sent', packetId: 8 }));
        await flushed(store);
        const state = await restart();
        expect(state.outgoing).toEqual([
          entry('c1', 10, 1, { qos: 2, state: 'released', packetId: 7, subscriptionIds: [3, 4] }),
          entry('c1', 11, 1, { qos: 1, retain: true, state: 'sent', packetId: 8 }),
          entry('c1', 12, 2),
        ]);
        expect(canonical(state).messages).toEqual([
          message(1, { qos: 2, properties: { userProperties: { a: '1' } }, expiresAt: T0 + 9999 }),
          message(2),
        ]);
      });

      it('a message fanned out to many queues is one message, dropped with its last reference', async () => {
        store.load();
        store.saveMessage(message(5));
        store.saveMessage(message(6));
        for (const [seq, clientId] of ['a', 'b', 'c'].entries())
          store.saveOutgoing(entry(clientId, seq + 1, 5));
        store.saveOutgoing(entry('a', 4, 6));
        await flushed(store);
        store.deleteOutgoing('a', 1);
        store.deleteOutgoing('b', 2);
        await flushed(store);
        let state = await restart();
        expect(state.messages.map((m) => m.id).sort()).toEqual([5, 6]);
        store.deleteOutgoing('c', 3);
        await flushed(store);
        state = await restart();
        expect(state.messages.map((m) => m.id)).toEqual([6]);
        expect(state.outgoing).toEqual([entry('a', 4, 6)]);
      });

      it('deleteOutgoing with another client id does nothing', async () => {
        store.load();
        store.saveMessage(message(1));
        store.saveOutgoing(entry('a', 1, 1));
        store.deleteOutgoing('b', 1);
        await flushed(store);
        expect((await restart()).outgoing).toEqual([entry('a', 1, 1)]);
      });

      it('an entry queued and acknowledged within one batch leaves nothing behind', async () => {
        store.load();
        store.saveMessage(message(1));
        store.saveOutgoing(entry('a', 1, 1));
        store.saveOutgoing(entry('a', 1, 1, { state: 'sent', packetId: 1 }));
        store.deleteOutgoing('a', 1);
        await flushed(store);
        const state = await restart();
        expect(state.outgoing).toEqual([]);
        expect(state.messages).toEqual([]);
        expect(state.lastMessageId).toBe(1);
        expect(state.lastSeq).toBe(1);
      });

      it('queued entries whose message expired are purged on load; in-flight ones are completed', async () => {
        store.load();
        store.saveMessage(message(1, { expiresAt: T0 + 10 }));
        store.saveMessage(message(2, { expiresAt: T0 + 10 }));
        store.saveMessage(message(3, { expiresAt: T0 + 100_000 }));
        store.saveOutgoing(entry('a', 1, 1));
        store.saveOutgoing(entry('a', 2, 2, { state: 'sent', packetId: 1 }));
        store.saveOutgoing(entry('a', 3, 3));
        await flushed(store);
        clock = T0 + 1000;
        const state = await restart();
        expect(state.outgoing.map((e) => e.seq)).toEqual([2, 3]);
        expect(canonical(state).messages.map((m) => m.id)).toEqual([2, 3]);
      });
    });

    it('incoming QoS 2 packet ids: saved, released, per client', async () => {
      store.load();
      store.saveIncomingQos2('a', 1);
      store.saveIncomingQos2('a', 65535);
      store.saveIncomingQos2('b', 1);
      store.saveIncomingQos2('a', 1);
      await flushed(store);
      store.deleteIncomingQos2('a', 1);
      store.deleteIncomingQos2('c', 1);
      await flushed(store);
      expect(canonical(await restart()).incomingQos2).toEqual([
        { clientId: 'a', packetId: 65535 },
        { clientId: 'b', packetId: 1 },
      ]);
    });

    it('gateway state blobs round-trip (nested JSON, Buffers), replace and delete', async () => {
      store.load();
      const blob = {
        topics: { '1': 'sensors/a', '2': 'sensors/b' },
        nextTopicId: 3,
        sleep: { state: 'asleep', duration: 600, since: T0 },
        buffered: [{ topicId: 1, payload: Buffer.from([1, 2, 3]), qos: 1 }],
        flags: [true, false, null],
        name: 'caf\u00e9 \u{1f600}',
      };
      store.saveGatewayState('sn1', { old: true });
      store.saveGatewayState('sn2', 'x');
      store.saveGatewayState('sn3', [1, 2]);
      await flushed(store);
      store.saveGatewayState('sn1', blob);
      store.deleteGatewayState('sn2');
      await flushed(store);
      expect(canonical(await restart()).gatewayState).toEqual([
        { clientId: 'sn1', state: blob },
        { clientId: 'sn3', state: [1, 2] },
      ]);
    });

    describe('deleteSession', () => {
      function populate(clientId: string, seq: number, messageId: number): void {
        store.saveSession(session(clientId, { will: fullWill() }));
        store.saveSubscription(clientId, { filter: `${clientId}/#`, qos: 1 });
        store.saveOutgoing(entry(clientId, seq, messageId));
        store.saveIncomingQos2(clientId, 42);
        store.saveGatewayState(clientId, { topics: [clientId] });
      }

      it('removes everything of that client only (a message shared with another client stays)', async () => {
        store.load();
        store.saveMessage(message(1));
        store.saveMessage(message(2));
        populate('gone', 1, 1);
        store.saveOutgoing(entry('gone', 2, 2));
        populate('kept', 3, 1);
        await flushed(store);
        store.deleteSession('gone');
        await flushed(store);
        const state = await restart();
        expect(state.sessions.map((s) => s.clientId)).toEqual(['kept']);
        expect(state.subscriptions).toEqual([
          { clientId: 'kept', subscription: { filter: 'kept/#', qos: 1 } },
        ]);
        expect(state.outgoing).toEqual([entry('kept', 3, 1)]);
        expect(state.messages.map((m) => m.id)).toEqual([1]);
        expect(state.incomingQos2).toEqual([{ clientId: 'kept', packetId: 42 }]);
        expect(state.gatewayState).toEqual([{ clientId: 'kept', state: { topics: ['kept'] } }]);
      });

      it('within one batch: writes before the delete vanish, writes after it stay (clean start)', async () => {
        store.load();
        store.saveMessage(message(1));
        populate('c', 1, 1);
        await flushed(store);
        store.saveMessage(message(2));
        store.saveOutgoing(entry('c', 2, 2));
        store.saveSubscription('c', { filter: 'before', qos: 0 });
        store.deleteSession('c');
        store.saveSession(session('c', { sessionExpiry: 5 }));
        store.saveSubscription('c', { filter: 'after', qos: 2 });
        store.saveMessage(message(3));
        store.saveOutgoing(entry('c', 3, 3));
        await flushed(store);
        const state = await restart();
        expect(state.sessions).toEqual([session('c', { sessionExpiry: 5 })]);
        expect(state.subscriptions).toEqual([{ clientId: 'c', subscription: { filter: 'after', qos: 2 } }]);
        expect(state.outgoing).toEqual([entry('c', 3, 3)]);
        expect(state.messages.map((m) => m.id)).toEqual([3]);
        expect(state.incomingQos2).toEqual([]);
        expect(state.gatewayState).toEqual([]);
      });
    });

    it('lastMessageId and lastSeq survive even when every message and entry is gone', async () => {
      store.load();
      store.saveMessage(message(41));
      store.saveMessage(message(7));
      store.saveOutgoing(entry('a', 99, 41));
      store.saveOutgoing(entry('a', 3, 7));
      await flushed(store);
      let state = await restart();
      expect([state.lastMessageId, state.lastSeq]).toEqual([41, 99]);
      store.deleteOutgoing('a', 99);
      store.deleteOutgoing('a', 3);
      await flushed(store);
      state = await restart();
      expect(state.messages).toEqual([]);
      expect([state.lastMessageId, state.lastSeq]).toEqual([41, 99]);
    });

    it('reopen returns the identical state', async () => {
      store.load();
      store.saveSession(
        session('a', { will: fullWill(), willDueAt: T0 + 5, disconnectedAt: T0, queueQos0: true }),
      );
      store.saveSession(session('b', { protocol: 'mqtt-sn', nextPacketId: 17 }));
      store.saveSubscription('a', { filter: 'x/#', qos: 2, subscriptionId: 5, noLocal: true });
      store.saveSubscription('b', { filter: 'y', qos: 0 });
      store.saveRetained('r', { topic: 'r', payload: Buffer.from('ret'), qos: 1, retain: true });
      for (let id = 1; id <= 20; id += 1) store.saveMessage(message(id));
      for (let seq = 1; seq <= 40; seq += 1) {
        store.saveOutgoing(
          entry(seq % 2 ? 'a' : 'b', seq, ((seq - 1) % 20) + 1, { packetId: seq, state: 'sent' }),
        );
      }
      store.saveIncomingQos2('a', 3);
      store.saveGatewayState('b', { registrations: { '1': 'y' } });
      await flushed(store);
      const first = canonical(await restart());
      const second = canonical(await restart());
      expect(second).toEqual(first);
      expect(first.sessions).toHaveLength(2);
      expect(first.outgoing).toHaveLength(40);
      expect(first.messages).toHaveLength(20);
    });

    describe('flush', () => {
      it('callbacks fire in submission order', async () => {
        store.load();
        const order: number[] = [];
        const all: Promise<void>[] = [];
        for (let i = 0; i < 10; i += 1) {
          store.saveMessage(message(i + 1));
          all.push(new Promise((resolve) => store.flush(() => resolve(void order.push(i)))));
          if (i % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        await Promise.all(all);
        expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      });

      it('a flush with nothing pending still calls back, asynchronously', async () => {
        store.load();
        let called = false;
        const done = new Promise<void>((resolve) =>
          store.flush(() => {
            called = true;
            resolve();
          }),
        );
        expect(called).toBe(false);
        await done;
      });

      it('calls back only once its mutations are durable (a crash right after keeps them)', async () => {
        store.load();
        store.saveSession(session('durable'));
        store.saveMessage(message(1));
        store.saveOutgoing(entry('durable', 1, 1));
        await new Promise<void>((resolve, reject) =>
          store.flush((error) => {
            if (error) return reject(error);
            // Crash inside the callback: nothing more may be written after it fires.
            harness.crash(store);
            resolve();
          }),
        );
        store = harness.open();
        const state = store.load();
        expect(state.sessions.map((s) => s.clientId)).toEqual(['durable']);
        expect(state.outgoing).toEqual([entry('durable', 1, 1)]);
      });
    });

    it('after close, mutations and flush throw', async () => {
      store.load();
      await store.close();
      expect(() => store.saveSession(session('x'))).toThrow();
      expect(() => store.flush(() => undefined)).toThrow();
    });
  });
}
