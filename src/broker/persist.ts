/**
 * Mirrors every change of durable state into the store (src/store/types.ts), when there is one.
 * Only sessions that outlive their connection (expiry > 0) are stored; the QoS 0 path of a
 * connected subscriber touches nothing here. Messages are stored once (ids kept in a WeakMap on
 * the immutable Message object) and referenced from each outgoing entry.
 */
import type { Store, StoredOutgoing, StoredSession } from '../store/types.js';
import type { OutgoingEntry, Session } from './session/session.js';
import type { Message, SubscriptionRequest } from './types.js';

export class Persistence {
  /**
   * Stored id of a message and how many stored outgoing entries reference it. The store drops a
   * message with its last reference; so do we, so that a later reference (a retained message
   * queued for a new subscriber) stores it again instead of pointing at a deleted row.
   */
  private readonly messageIds = new WeakMap<Message, { id: number; refs: number }>();
  /** Client ids currently present in the store, to avoid needless deletes. */
  private readonly stored = new Set<string>();
  lastMessageId = 0;

  constructor(private store: Store | undefined) {}

  /** After the broker closed: the store belongs to its owner again; late events write nothing. */
  detach(): void {
    this.store = undefined;
  }

  get enabled(): boolean {
    return this.store !== undefined;
  }

  /** Save (or, when it no longer outlives its connection, remove) a session's metadata. */
  session(session: Session): void {
    if (!this.store) return;
    if (!session.persistent) {
      this.forgetEntries(session);
      this.deleteSession(session.clientId);
      return;
    }
    const p = session.presence;
    const record: StoredSession = {
      clientId: session.clientId,
      sessionExpiry: session.sessionExpiry,
      protocol: session.protocol,
      queueQos0: session.queueQos0,
      nextPacketId: session.nextPacketId,
    };
    if (p.kind === 'disconnected') record.disconnectedAt = p.at;
    if (session.will) record.will = session.will;
    if (session.willDueAt !== undefined) record.willDueAt = session.willDueAt;
    this.store.saveSession(record);
    this.stored.add(session.clientId);
  }

  /** After a session has been saved for the first time, write its whole state (expiry raised by DISCONNECT). */
  /** The store forgot a session's entries (session deleted): release their message references. */
  private forgetEntries(session: Session): void {
    for (const entry of session.inflightView.values()) this.release(entry);
    for (const entry of session.queueView) this.release(entry);
  }

  sessionContents(session: Session): void {
    if (!this.store || !session.persistent) return;
    for (const sub of session.subscriptionsView.values()) this.store.saveSubscription(session.clientId, sub);
    for (const entry of session.inflightView.values()) this.outgoing(session, entry);
    for (const entry of session.queueView) this.outgoing(session, entry);
    for (const id of session.incomingQos2View) this.store.saveIncomingQos2(session.clientId, id);
  }

  /** A session ended: the store drops everything of it (deleteSession). */
  endSession(session: Session): void {
    this.forgetEntries(session);
    this.deleteSession(session.clientId);
  }

  deleteSession(clientId: string): void {
    if (!this.store || !this.stored.has(clientId)) return;
    this.stored.delete(clientId);
    this.store.deleteSession(clientId);
  }

  subscription(session: Session, sub: SubscriptionRequest): void {
    if (this.store && session.persistent) this.store.saveSubscription(session.clientId, sub);
  }

  unsubscription(session: Session, filter: string): void {
    if (this.store && session.persistent) this.store.deleteSubscription(session.clientId, filter);
  }

  retained(topic: string, message: Message | undefined): void {
    // $SYS values are regenerated every interval; storing them would only churn the disk.
    if (this.store && !topic.startsWith('$SYS/')) this.store.saveRetained(topic, message);
  }

  outgoing(session: Session, entry: OutgoingEntry): void {
    if (!this.store || !session.persistent) return;
    const ref = this.reference(entry.message);
    if (!entry.stored) {
      entry.stored = true;
      ref.refs++;
    }
    const record: StoredOutgoing = {
      clientId: session.clientId,
      seq: entry.seq,
      messageId: ref.id,
      qos: entry.qos,
      retain: entry.retain,
      state: entry.state,
    };
    if (entry.packetId !== 0) record.packetId = entry.packetId;
    if (entry.subscriptionIds) record.subscriptionIds = [...entry.subscriptionIds];
    this.store.saveOutgoing(record);
  }

  removeOutgoing(session: Session, entry: OutgoingEntry): void {
    if (!entry.stored) return;
    this.release(entry);
    if (this.store && session.persistent) this.store.deleteOutgoing(session.clientId, entry.seq);
  }

  private release(entry: OutgoingEntry): void {
    if (!entry.stored) return;
    entry.stored = false;
    const ref = this.messageIds.get(entry.message);
    if (ref && --ref.refs <= 0) this.messageIds.delete(entry.message);
  }

  incoming(session: Session, packetId: number): void {
    if (this.store && session.persistent) this.store.saveIncomingQos2(session.clientId, packetId);
  }

  releaseIncoming(session: Session, packetId: number): void {
    if (this.store && session.persistent) this.store.deleteIncomingQos2(session.clientId, packetId);
  }

  /** Calls back once everything submitted so far is durable (store group commit). */
  flush(callback: (error?: Error) => void): void {
    if (this.store) this.store.flush(callback);
    else queueMicrotask(callback);
  }

  /** Restore: a message loaded from the store keeps its id; each loaded entry counts as a reference. */
  remember(message: Message, id: number): void {
    this.messageIds.set(message, { id, refs: 0 });
  }

  restoredEntry(entry: OutgoingEntry): void {
    const ref = this.messageIds.get(entry.message);
    if (!ref) return;
    ref.refs++;
    entry.stored = true;
  }

  markStored(clientId: string): void {
    this.stored.add(clientId);
  }

  private reference(message: Message): { id: number; refs: number } {
    let ref = this.messageIds.get(message);
    if (ref === undefined) {
      const id = ++this.lastMessageId;
      ref = { id, refs: 0 };
      this.messageIds.set(message, ref);
      const { topic, payload, qos, retain, properties, expiresAt } = message;
      const stored: Message & { id: number } = { id, topic, payload, qos, retain };
      if (properties) stored.properties = properties;
      if (expiresAt !== undefined) stored.expiresAt = expiresAt;
      this.store?.saveMessage(stored);
    }
    return ref;
  }
}
