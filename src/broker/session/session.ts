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
  | ConnectedPresence
  | { kind: 'asleep'; info: LinkInfo }
  | { kind: 'disconnected'; at: number };

/**
 * A session's presence while a client is attached. The SessionHandle given to that client is
 * this object itself (session/handle.ts): one object per connection in the core, not two.
 */
export interface ConnectedPresence {
  readonly kind: 'connected';
  readonly link: ClientLink;
  readonly info: LinkInfo;
  /** The handle given to the client, checked by it to know it is still the live one. */
  readonly handle: object;
}

export const NEVER_EXPIRES = 0xffffffff;

/** What an empty collection reads as before a session has allocated its own. Never written. */
const NO_SUBSCRIPTIONS: ReadonlyMap<string, SubscriptionRequest> = new Map();
const NO_ENTRIES: ReadonlyMap<number, OutgoingEntry> = new Map();
const NO_PACKET_IDS: ReadonlySet<number> = new Set();
const NO_QUEUE: QueueView = new OutgoingQueue();

/** A delayed will and session expiry: only sessions that outlive a connection need them. */
class SessionTimers {
  willDueAt: number | undefined;
  willTimer: LongTimer | undefined;
  expiryTimer: LongTimer | undefined;
}

// Flags of Session.bits: five booleans in one field.
const HAD_PENDING = 1;
const FLUSH_SCHEDULED = 2;
const REDELIVERY_PENDING = 4;
const COPY_PER_SUBSCRIPTION = 8;
const QUEUE_QOS0 = 16;

/**
 * One Session per client, so each field counts (every byte kept per idle client costs three to
 * four in resident memory, see bench/README.md). The collections are allocated on first write:
 * an idle clean-session client (most of a broker's connections) keeps none of them — about 700
 * bytes of empty Maps, Sets and arrays otherwise. Writers use `subscriptions`, `queue`,
 * `inflight`, `incomingQos2`; readers use the `…View` getters, which never allocate. Booleans
 * share `bits`; the timers of sessions that outlive a connection live in `timers`.
 */
export class Session {
  presence: Presence;
  private subscriptionMap: Map<string, SubscriptionRequest> | undefined;
  private outgoingQueue: OutgoingQueue | undefined;
  private inflightMap: Map<number, OutgoingEntry> | undefined;
  private incomingQos2Set: Set<number> | undefined;
  private timers: SessionTimers | undefined;
  private bits = 0;
  nextPacketId = 1;
  will: Will | undefined;
  username: string | undefined;
  /** ConnectRequest.maxQueued: this session's queue bound instead of the broker's (MQTT-SN sleepers). */
  maxQueued: number | undefined = undefined;

  constructor(
    readonly clientId: string,
    public sessionExpiry: number,
    queueQos0: boolean,
    public protocol: 'mqtt' | 'mqtt-sn',
    presence: Presence,
  ) {
    this.presence = presence;
    this.queueQos0 = queueQos0;
  }

  private flag(bit: number): boolean {
    return (this.bits & bit) !== 0;
  }

  private setFlag(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

  /** Something was queued or in flight since the last link.drained() call. */
  get hadPending(): boolean {
    return this.flag(HAD_PENDING);
  }

  set hadPending(on: boolean) {
    this.setFlag(HAD_PENDING, on);
  }

  get flushScheduled(): boolean {
    return this.flag(FLUSH_SCHEDULED);
  }

  set flushScheduled(on: boolean) {
    this.setFlag(FLUSH_SCHEDULED, on);
  }

  /**
   * Set from (re)attach until the in-flight messages have been resent: new messages queue behind
   * them instead of overtaking them (per-topic order across a reconnect, MQTT 5 §4.6).
   */
  get redeliveryPending(): boolean {
    return this.flag(REDELIVERY_PENDING);
  }

  set redeliveryPending(on: boolean) {
    this.setFlag(REDELIVERY_PENDING, on);
  }

  /**
   * Overlapping subscriptions give one copy each (an MQTT 5 client, as mosquitto does it) rather
   * than one folded copy (3.1.1, MQTT-SN). Set at every connect; a session restored from the
   * store keeps the folded behaviour until its client connects again.
   */
  get copyPerSubscription(): boolean {
    return this.flag(COPY_PER_SUBSCRIPTION);
  }

  set copyPerSubscription(on: boolean) {
    this.setFlag(COPY_PER_SUBSCRIPTION, on);
  }

  /** Queue QoS 0 messages while offline (ConnectRequest.queueQos0). */
  get queueQos0(): boolean {
    return this.flag(QUEUE_QOS0);
  }

  set queueQos0(on: boolean) {
    this.setFlag(QUEUE_QOS0, on);
  }

  /** Set while a delayed will waits (epoch ms it is due). */
  get willDueAt(): number | undefined {
    return this.timers?.willDueAt;
  }

  set willDueAt(at: number | undefined) {
    if (at !== undefined || this.timers !== undefined) this.timerState().willDueAt = at;
  }

  get willTimer(): LongTimer | undefined {
    return this.timers?.willTimer;
  }

  set willTimer(timer: LongTimer | undefined) {
    if (timer !== undefined || this.timers !== undefined) this.timerState().willTimer = timer;
  }

  get expiryTimer(): LongTimer | undefined {
    return this.timers?.expiryTimer;
  }

  set expiryTimer(timer: LongTimer | undefined) {
    if (timer !== undefined || this.timers !== undefined) this.timerState().expiryTimer = timer;
  }

  private timerState(): SessionTimers {
    this.timers ??= new SessionTimers();
    return this.timers;
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
