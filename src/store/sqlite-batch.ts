/**
 * The mutations submitted since the last commit, coalesced: the last write to a key wins, an
 * outgoing entry (or message) created and deleted within the batch never reaches the disk, a
 * session saved twice is written once. Applied in one transaction (group commit).
 *
 * Order: deleteSession(c) drops c's pending writes and is applied first; everything for c that
 * stays pending was submitted after it, so the batch replays submission order exactly. (c's queue
 * rows are deleted by seq, as pending outgoing deletes: see deleteSession in sqlite.ts.)
 *
 * Inline messages (schema version 2): a new message whose only reference is a new queue row of the
 * same batch is written inside that row, one insert instead of two. It stays there while that row
 * is its only reference; a second reference first copies it into `messages` (a promotion, applied
 * before the queue rows of its batch). A message in `messages` shadows a stale inline copy.
 */
import type { Message } from '../broker/types.js';
import {
  encodeProperties,
  type OutgoingParams,
  type Statements,
  type SubscriptionParams,
} from './sqlite-rows.js';
import type { StoredMessage } from './types.js';

export class Batch {
  /** Mutations submitted (before coalescing): the size that triggers an early commit. */
  submitted = 0;
  readonly deletedClients = new Set<string>();
  readonly sessions = new Map<string, string>();
  /** clientId → filter → params (null: delete). */
  readonly subscriptions = new Map<string, Map<string, SubscriptionParams | null>>();
  readonly retained = new Map<string, Message | null>();
  readonly messagePuts = new Map<number, StoredMessage>();
  readonly messageDeletes = new Set<number>();
  /** Messages not on disk before this batch: deleting one only drops its pending insert. */
  readonly newMessages = new Set<number>();
  /** seq → params (null: delete). */
  readonly outgoing = new Map<number, OutgoingParams | null>();
  /** Outgoing entries not on disk before this batch. */
  readonly newOutgoing = new Set<number>();
  /** Entries on disk that get another message, or were deleted and saved again: rewritten whole. */
  readonly replacedOutgoing = new Set<number>();
  /** Set by apply(): messages written to `messages` that nothing references (orphans on disk). */
  readonly unreferencedPuts: number[] = [];
  /** messageId → seq of the queue row that holds it inline: copy it into `messages` first. */
  readonly promotions = new Map<number, number>();
  /** clientId → packetId → present. */
  readonly incoming = new Map<string, Map<number, boolean>>();
  /** clientId → JSON (null: delete). */
  readonly gatewayState = new Map<string, string | null>();

  isEmpty(): boolean {
    return (
      this.deletedClients.size === 0 &&
      this.sessions.size === 0 &&
      this.subscriptions.size === 0 &&
      this.retained.size === 0 &&
      this.messagePuts.size === 0 &&
      this.messageDeletes.size === 0 &&
      this.promotions.size === 0 &&
      this.outgoing.size === 0 &&
      this.incoming.size === 0 &&
      this.gatewayState.size === 0
    );
  }

  /** Forget every pending write of a client (its deleteSession is applied before the rest). */
  dropClient(clientId: string): void {
    this.deletedClients.add(clientId);
    this.sessions.delete(clientId);
    this.subscriptions.delete(clientId);
    this.incoming.delete(clientId);
    this.gatewayState.delete(clientId);
  }

  /**
   * Write the batch (inside the caller's transaction). `soleReference(id)`: the message has exactly
   * one reference now; `referenced(id)`: at least one. Returns the messages written inline, as
   * [messageId, seq] pairs, for the caller to remember once the transaction has committed.
   */
  apply(
    statements: Statements,
    soleReference: (messageId: number) => boolean,
    referenced: (messageId: number) => boolean,
  ): [number, number][] {
    this.unreferencedPuts.length = 0;
    for (const clientId of this.deletedClients) {
      statements.deleteClientSession.run(clientId);
      statements.deleteClientSubscriptions.run(clientId);
      statements.deleteClientIncoming.run(clientId);
      statements.deleteClientGatewayState.run(clientId);
    }
    for (const seq of this.promotions.values()) statements.promoteInlineMessage.run(seq);
    const inlined: [number, number][] = [];
    const inlineIds = new Set<number>();
    const inlineRows: unknown[] = [];
    const plainRows: unknown[] = [];
    for (const [seq, params] of this.outgoing) {
      if (params === null) statements.deleteOutgoing.run(seq);
      else if (this.newOutgoing.has(seq)) {
        const messageId = params[2];
        const message = this.newMessages.has(messageId) ? this.messagePuts.get(messageId) : undefined;
        if (message !== undefined && soleReference(messageId)) {
          pushAll(inlineRows, params);
          pushMessage(inlineRows, message);
          inlined.push([messageId, seq]);
          inlineIds.add(messageId);
        } else pushAll(plainRows, params);
      } else if (this.replacedOutgoing.has(seq)) statements.replaceOutgoing.run(...params);
      else statements.updateOutgoing.run(...params);
    }
    const messageRows: unknown[] = [];
    for (const message of this.messagePuts.values()) {
      if (inlineIds.has(message.id)) continue;
      messageRows.push(message.id);
      pushMessage(messageRows, message);
      if (!referenced(message.id)) this.unreferencedPuts.push(message.id);
    }
    statements.insertMessages.run(messageRows);
    statements.insertOutgoing.run(plainRows);
    statements.insertOutgoingInline.run(inlineRows);
    for (const id of this.messageDeletes) statements.deleteMessage.run(id);
    for (const [clientId, data] of this.sessions) statements.upsertSession.run(clientId, data);
    for (const [clientId, byFilter] of this.subscriptions) {
      for (const [filter, params] of byFilter) {
        if (params === null) statements.deleteSubscription.run(clientId, filter);
        else statements.upsertSubscription.run(...params);
      }
    }
    for (const [topic, message] of this.retained) {
      if (message === null) statements.deleteRetained.run(topic);
      else {
        statements.upsertRetained.run(
          topic,
          message.payload,
          message.qos,
          message.retain ? 1 : 0,
          message.expiresAt ?? null,
          encodeProperties(message.properties),
        );
      }
    }
    for (const [clientId, packetIds] of this.incoming) {
      for (const [packetId, present] of packetIds) {
        if (present) statements.insertIncoming.run(clientId, packetId);
        else statements.deleteIncoming.run(clientId, packetId);
      }
    }
    for (const [clientId, state] of this.gatewayState) {
      if (state === null) statements.deleteGatewayState.run(clientId);
      else statements.upsertGatewayState.run(clientId, state);
    }
    return inlined;
  }
}

function pushAll(target: unknown[], values: readonly unknown[]): void {
  for (const value of values) target.push(value);
}

/** A message's columns (topic, payload, qos, retain, expires_at, properties), as the inserts list them. */
function pushMessage(target: unknown[], message: Message): void {
  target.push(
    message.topic,
    message.payload,
    message.qos,
    message.retain ? 1 : 0,
    message.expiresAt ?? null,
    message.properties === undefined ? null : encodeProperties(message.properties),
  );
}
