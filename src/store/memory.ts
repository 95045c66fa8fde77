/**
 * The in-memory store: everything in Maps, nothing on disk. A broker restarted in-process with the
 * same store instance gets its state back from `load()` (tests use this to restart a broker);
 * nothing survives the process. Passes the same contract suite as the SQLite store
 * (test/contract/store.contract.ts).
 *
 * Values are deep-copied on the way in and on the way out, so the caller's later changes to an
 * object never reach the stored state — exactly as with a database. Messages are the exception on
 * the way in: they are immutable once handed to the core (broker/types.ts), and copying every
 * payload would be the memory store's main cost.
 */
import type { Message, SubscriptionRequest } from '../broker/types.js';
import { deepClone } from './clone.js';
import type {
  LoadedState,
  Store,
  StoredGatewayState,
  StoredMessage,
  StoredOutgoing,
  StoredRetained,
  StoredSession,
} from './types.js';

export interface MemoryStoreOptions {
  /** Clock, epoch ms, used to purge expired retained and queued messages on load. */
  now?: () => number;
}

class ClosedStoreError extends Error {
  constructor() {
    super('store is closed');
    this.name = 'ClosedStoreError';
  }
}

export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, StoredSession>();
  const subscriptions = new Map<string, Map<string, SubscriptionRequest>>();
  const retained = new Map<string, StoredRetained>();
  const messages = new Map<number, StoredMessage>();
  const outgoing = new Map<number, StoredOutgoing>();
  /** Number of outgoing entries referencing each message (a message goes with its last reference). */
  const references = new Map<number, number>();
  const incomingQos2 = new Map<string, Set<number>>();
  const gatewayState = new Map<string, unknown>();
  let lastMessageId = 0;
  let lastSeq = 0;
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new ClosedStoreError();
  }

  function addReference(messageId: number): void {
    references.set(messageId, (references.get(messageId) ?? 0) + 1);
  }

  function dropReference(messageId: number): void {
    const count = (references.get(messageId) ?? 0) - 1;
    if (count > 0) {
      references.set(messageId, count);
      return;
    }
    references.delete(messageId);
    messages.delete(messageId);
  }

  function removeOutgoing(seq: number): void {
    const entry = outgoing.get(seq);
    if (entry === undefined) return;
    outgoing.delete(seq);
    dropReference(entry.messageId);
  }

  /**
   * What a restart would purge: expired retained messages, queued (never sent) entries whose
   * message expired (MQTT 5 §3.3.2.3.3: an expired message not yet sent is deleted; one already
   * in flight is completed), then messages no entry references.
   */
  function purgeExpired(): void {
    const time = now();
    for (const [topic, message] of retained) {
      if (message.expiresAt !== undefined && message.expiresAt <= time) retained.delete(topic);
    }
    for (const [seq, entry] of outgoing) {
      const expiresAt = messages.get(entry.messageId)?.expiresAt;
      if (entry.state === 'queued' && expiresAt !== undefined && expiresAt <= time) removeOutgoing(seq);
    }
    for (const id of messages.keys()) {
      if (!references.has(id)) messages.delete(id);
    }
  }

  function snapshot(): LoadedState {
    const subscriptionList: LoadedState['subscriptions'] = [];
    for (const [clientId, byFilter] of subscriptions) {
      for (const subscription of byFilter.values()) {
        subscriptionList.push({ clientId, subscription: deepClone(subscription) });
      }
    }
    const incomingList: LoadedState['incomingQos2'] = [];
    for (const [clientId, packetIds] of incomingQos2) {
      for (const packetId of packetIds) incomingList.push({ clientId, packetId });
    }
    const gatewayList: StoredGatewayState[] = [];
    for (const [clientId, state] of gatewayState) gatewayList.push({ clientId, state: deepClone(state) });
    return {
      sessions: [...sessions.values()].map(deepClone),
      subscriptions: subscriptionList,
      retained: [...retained.values()].map(deepClone),
      messages: [...messages.values()].map(deepClone),
      outgoing: [...outgoing.values()].sort((a, b) => a.seq - b.seq).map(deepClone),
      incomingQos2: incomingList,
      gatewayState: gatewayList,
      lastMessageId,
      lastSeq,
    };
  }

  return {
    load(): LoadedState {
      // Re-opening after close() is allowed: that is how a broker restarts in-process.
      closed = false;
      purgeExpired();
      return snapshot();
    },

    saveSession(session: StoredSession): void {
      assertOpen();
      sessions.set(session.clientId, deepClone(session));
    },

    deleteSession(clientId: string): void {
      assertOpen();
      sessions.delete(clientId);
      subscriptions.delete(clientId);
      for (const [seq, entry] of outgoing) {
        if (entry.clientId === clientId) removeOutgoing(seq);
      }
      incomingQos2.delete(clientId);
      gatewayState.delete(clientId);
    },

    saveSubscription(clientId: string, subscription: SubscriptionRequest): void {
      assertOpen();
      let byFilter = subscriptions.get(clientId);
      if (byFilter === undefined) {
        byFilter = new Map();
        subscriptions.set(clientId, byFilter);
      }
      byFilter.set(subscription.filter, deepClone(subscription));
    },

    deleteSubscription(clientId: string, filter: string): void {
      assertOpen();
      const byFilter = subscriptions.get(clientId);
      byFilter?.delete(filter);
      if (byFilter?.size === 0) subscriptions.delete(clientId);
    },

    saveRetained(topic: string, message: Message | undefined): void {
      assertOpen();
      if (message === undefined) retained.delete(topic);
      // Messages are immutable once handed to the core (broker/types.ts): kept as they are.
      else retained.set(topic, { ...message, topic });
    },

    saveMessage(message: StoredMessage): void {
      assertOpen();
      messages.set(message.id, message);
      lastMessageId = Math.max(lastMessageId, message.id);
    },

    saveOutgoing(entry: StoredOutgoing): void {
      assertOpen();
      const previous = outgoing.get(entry.seq);
      outgoing.set(entry.seq, deepClone(entry));
      if (previous?.messageId !== entry.messageId) {
        addReference(entry.messageId);
        if (previous !== undefined) dropReference(previous.messageId);
      }
      lastSeq = Math.max(lastSeq, entry.seq);
    },

    deleteOutgoing(clientId: string, seq: number): void {
      assertOpen();
      if (outgoing.get(seq)?.clientId === clientId) removeOutgoing(seq);
    },

    saveIncomingQos2(clientId: string, packetId: number): void {
      assertOpen();
      let packetIds = incomingQos2.get(clientId);
      if (packetIds === undefined) {
        packetIds = new Set();
        incomingQos2.set(clientId, packetIds);
      }
      packetIds.add(packetId);
    },

    deleteIncomingQos2(clientId: string, packetId: number): void {
      assertOpen();
      const packetIds = incomingQos2.get(clientId);
      packetIds?.delete(packetId);
      if (packetIds?.size === 0) incomingQos2.delete(clientId);
    },

    saveGatewayState(clientId: string, state: unknown): void {
      assertOpen();
      gatewayState.set(clientId, deepClone(state));
    },

    deleteGatewayState(clientId: string): void {
      assertOpen();
      gatewayState.delete(clientId);
    },

    flush(callback: (error?: Error) => void): void {
      assertOpen();
      // Everything is "durable" (for this process) as soon as it is submitted; the callback
      // still comes asynchronously, in order, as it would from a real store.
      queueMicrotask(() => callback());
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
}
