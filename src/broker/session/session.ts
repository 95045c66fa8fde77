/**
 * Per-session state. Plain data plus small invariants; the broker's modules (outgoing.ts,
 * lifecycle) change it. One Session object lives as long as the session does, across
 * connections; a clean start replaces it with a new object.
 */

import type { LongTimer } from '../timer.js';
import type { ClientLink, LinkInfo, Message, QoS, SubscriptionRequest, Will } from '../types.js';
import { OutgoingQueue, type QueueView } from './queue.js';

/**
 * Where one outgoing message stands (mosquitto's mosquitto_msg_state, reduced):
 * queued → sent (PUBLISH out, waiting for PUBACK/PUBREC) → released (QoS 2: PUBREL out, waiting for PUBCOMP).
 */
export type OutgoingState = 'queued' | 'sent' | 'released';

export interface OutgoingEntry {
  /** Broker-wide monotonic sequence: delivery order and identity in the store. */
  readonly seq: number;
  readonly message: Message;
  /** Effective QoS: min(message QoS, subscription QoS). */
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIds: readonly number[] | undefined;
  state: OutgoingState;
  /** 0 while queued. */
  packetId: number;
  /** Written to the store (so it holds a reference to the stored message). */
  stored?: boolean;
}

/** Connection state of a session: attached to a link, asleep (MQTT-SN, §6.14), or disconnected. */
export type Presence =
  | { kind: 'connected'; link: ClientLink; info: LinkInfo; handle: object }
  | { kind: 'asleep'; info: LinkInfo }
  | { kind: 'disconnected'; at: number };

export const NEVER_EXPIRES = 0xffffffff;

/** What an empty collection reads as before a session has allocated its own. Never written. */
const NO_SUBSCRIPTIONS: ReadonlyMap<string, SubscriptionRequest> = new Map();
const NO_ENTRIES: ReadonlyMap<number, OutgoingEntry> = new Map();
const NO_PACKET_IDS: ReadonlySet<number> = new Set();
const NO_QUEUE: QueueView = new OutgoingQueue();

/**
 * The collections below are allocated on first write: an idle clean-session client (most of a
 * broker's connections) then keeps none of them — about 700 bytes of empty Maps, Sets and arrays
 * per connection otherwise. Writers use `subscriptions`, `queue`, `inflight`, `incomingQos2`;
 * readers use the `…View` getters, which never allocate.
 */
export class Session {
  presence: Presence;
  private subscriptionMap: Map<string, SubscriptionRequest> | undefined;
  private outgoingQueue: OutgoingQueue | undefined;
  private inflightMap: Map<number, OutgoingEntry> | undefined;
  private incomingQos2Set: Set<number> | undefined;
  nextPacketId = 1;
  will: Will | undefined;
  /** Set while a delayed will waits (epoch ms it is due). */
  willDueAt: number | undefined;
  willTimer: LongTimer | undefined;
  expiryTimer: LongTimer | undefined;
  /** Something was queued or in flight since the last link.drained() call. */
  hadPending = false;
  flushScheduled = false;
  /**
   * Set from (re)attach until the in-flight messages have been resent: new messages queue behind
   * them instead of overtaking them (per-topic order across a reconnect, MQTT 5 §4.6).
   */
  redeliveryPending = false;
  username: string | undefined;
  /** ConnectRequest.maxQueued: this session's queue bound instead of the broker's (MQTT-SN sleepers). */
  maxQueued: number | undefined = undefined;
  /**
   * Overlapping subscriptions give one copy each (an MQTT 5 client, as mosquitto does it) rather
   * than one folded copy (3.1.1, MQTT-SN). Set at every connect; a session restored from the
   * store keeps the folded behaviour until its client connects again.
   */
  copyPerSubscription = false;

  constructor(
    readonly clientId: string,
    public sessionExpiry: number,
    public queueQos0: boolean,
    public protocol: 'mqtt' | 'mqtt-sn',
    presence: Presence,
  ) {
    this.presence = presence;
  }

  /** Subscriptions by filter, for writing (allocated on first use). */
  get subscriptions(): Map<string, SubscriptionRequest> {
    this.subscriptionMap ??= new Map();
    return this.subscriptionMap;
  }

  get subscriptionsView(): ReadonlyMap<string, SubscriptionRequest> {
    return this.subscriptionMap ?? NO_SUBSCRIPTIONS;
  }

  /** Messages waiting for the client or for room in the window, for writing. */
  get queue(): OutgoingQueue {
    this.outgoingQueue ??= new OutgoingQueue();
    return this.outgoingQueue;
  }

  get queueView(): QueueView {
    return this.outgoingQueue ?? NO_QUEUE;
  }

  /** In flight by packet id; Map order is send order, which redelivery keeps [MQTT-4.6.0-1]. */
  get inflight(): Map<number, OutgoingEntry> {
    this.inflightMap ??= new Map();
    return this.inflightMap;
  }

  get inflightView(): ReadonlyMap<number, OutgoingEntry> {
    return this.inflightMap ?? NO_ENTRIES;
  }

  /** Inbound QoS 2 packet ids whose PUBREC went out and whose PUBREL has not come yet. */
  get incomingQos2(): Set<number> {
    this.incomingQos2Set ??= new Set();
    return this.incomingQos2Set;
  }

  get incomingQos2View(): ReadonlySet<number> {
    return this.incomingQos2Set ?? NO_PACKET_IDS;
  }

  /** Forget every queued and in-flight message (the session ended). */
  dropOutgoing(): void {
    this.outgoingQueue = undefined;
    this.inflightMap = undefined;
  }

  /** Forget every subscription (the session ended; the tree was updated by the caller). */
  dropSubscriptions(): void {
    this.subscriptionMap = undefined;
  }

  get connected(): boolean {
    return this.presence.kind === 'connected';
  }

  /** Persisted sessions are those that outlive their connection (expiry > 0). */
  get persistent(): boolean {
    return this.sessionExpiry > 0;
  }

  pendingCount(): number {
    return (this.outgoingQueue?.length ?? 0) + (this.inflightMap?.size ?? 0);
  }

  /** Next free packet id in 1..65535, skipping ids still in flight [MQTT-2.2.1-3]. */
  allocatePacketId(): number {
    for (;;) {
      const id = this.nextPacketId;
      this.nextPacketId = id === 65535 ? 1 : id + 1;
      if (this.inflightMap?.has(id) !== true) return id;
    }
  }
}
