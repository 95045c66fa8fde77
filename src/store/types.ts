/**
 * The store: one narrow interface, with a contract suite (test/contract/store.contract.ts) that
 * every implementation passes (memory, SQLite). DESIGN.md "The store".
 *
 * Model: the broker core owns all state in memory and tells the store about every change. The
 * store buffers those mutations and applies them in one transaction per batch (group commit,
 * never one fsync per message). `flush(cb)` calls back once every mutation submitted before it is
 * durable; the front ends acknowledge a QoS 1/2 PUBLISH only from that callback.
 *
 * Mutations are synchronous fire-and-forget calls (cheap on the hot path); the store applies
 * them in submission order. At start-up `load()` returns everything to rebuild the core.
 *
 * Messages are stored once and referenced by id from every queue that holds them (a message
 * fanned out to 100 offline sessions is one row, not 100). The store deletes a message when the
 * last reference to it goes (or on load, for orphans).
 */
import type { Message, QoS, SubscriptionRequest, Will } from '../broker/types.js';

/** A persistent session's metadata. */
export interface StoredSession {
  clientId: string;
  /** Seconds; 0xFFFFFFFF never expires. */
  sessionExpiry: number;
  /** Epoch ms when the last connection ended; undefined while connected. */
  disconnectedAt?: number;
  will?: Will;
  /** Epoch ms at which a delayed will is due (will delay interval, v5), if one is pending. */
  willDueAt?: number;
  queueQos0?: boolean;
  protocol: 'mqtt' | 'mqtt-sn';
  /** Next packet id the session will allocate (so ids are not reused across restarts too soon). */
  nextPacketId?: number;
}

export type OutgoingState =
  /** Queued, never sent (or sent at QoS 0 — then it is removed). */
  | 'queued'
  /** PUBLISH sent with packetId, waiting for PUBACK (QoS 1) or PUBREC (QoS 2). */
  | 'sent'
  /** QoS 2: PUBREC received, PUBREL sent, waiting for PUBCOMP. Message payload no longer needed. */
  | 'released';

/** One entry of a session's outgoing queue / in-flight window, in delivery order by `seq`. */
export interface StoredOutgoing {
  clientId: string;
  /** Monotonic per store (not per client) sequence number: delivery order and identity. */
  seq: number;
  messageId: number;
  /** Effective QoS of this delivery (min of message and subscription QoS). */
  qos: QoS;
  retain: boolean;
  state: OutgoingState;
  packetId?: number;
  subscriptionIds?: number[];
}

export interface StoredMessage extends Message {
  id: number;
}

export interface StoredRetained extends Message {}

/** MQTT-SN per-client gateway state (topic registrations, sleep state …), as an opaque blob. */
export interface StoredGatewayState {
  clientId: string;
  /** JSON-serialisable value owned by the gateway; the store never looks inside. */
  state: unknown;
}

export interface LoadedState {
  sessions: StoredSession[];
  subscriptions: { clientId: string; subscription: SubscriptionRequest }[];
  retained: StoredRetained[];
  messages: StoredMessage[];
  outgoing: StoredOutgoing[];
  /** Inbound QoS 2 packet ids received (PUBREC sent) and not yet released by PUBREL. */
  incomingQos2: { clientId: string; packetId: number }[];
  gatewayState: StoredGatewayState[];
  /** Highest message id and outgoing seq ever used, so new ids never collide. */
  lastMessageId: number;
  lastSeq: number;
}

export interface Store {
  /** Open (create, migrate) and read everything. Throws StoreOpenError with a clear message. */
  load(): LoadedState;

  saveSession(session: StoredSession): void;
  /** Removes the session and everything of it: subscriptions, outgoing, incoming, gateway state. */
  deleteSession(clientId: string): void;

  saveSubscription(clientId: string, subscription: SubscriptionRequest): void;
  deleteSubscription(clientId: string, filter: string): void;

  /** Set or replace the retained message of `topic`; `undefined` clears it. */
  saveRetained(topic: string, message: Message | undefined): void;

  saveMessage(message: StoredMessage): void;
  /** Add or update an outgoing entry (queued → sent → released). */
  saveOutgoing(entry: StoredOutgoing): void;
  /** Remove an outgoing entry (acknowledged, expired, dropped); unreferenced messages go too. */
  deleteOutgoing(clientId: string, seq: number): void;

  saveIncomingQos2(clientId: string, packetId: number): void;
  deleteIncomingQos2(clientId: string, packetId: number): void;

  saveGatewayState(clientId: string, state: unknown): void;
  deleteGatewayState(clientId: string): void;

  /** Calls back once every mutation submitted before this call is durable. */
  flush(callback: (error?: Error) => void): void;
  /** Flush and close; further calls throw. */
  close(): Promise<void>;
}

export type SyncLevel = 'normal' | 'full';

export interface SqliteStoreOptions {
  /** Data directory; the database file is `<dir>/mqttsn-gateway.db`. */
  directory: string;
  /** normal: survives a process crash (WAL, synchronous=NORMAL); full: survives power loss. */
  sync: SyncLevel;
}

/** Start-up failure of a store, with the file and what the user should do. */
export class StoreOpenError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'StoreOpenError';
  }
}
