/**
 * The SQLite store (better-sqlite3 12, WAL): the embedded default. DESIGN.md "The store", issue 3.
 *
 * Mutations are cheap synchronous calls that only update a pending Batch (sqlite-batch.ts). The
 * batch is committed in ONE transaction at the end of the event-loop turn (setImmediate, so every
 * packet read in the same turn shares it) or as soon as it holds `maxBatchSize` mutations; flush
 * callbacks fire after that commit. With synchronous=NORMAL a WAL commit survives a process crash
 * (kill -9); FULL also fsyncs the WAL on every commit and survives power loss.
 *
 * Messages are one row each, referenced by outgoing rows — or, while a queue row is a message's
 * only reference, written inside that row (sqlite-batch.ts: one insert instead of two in offline
 * fan-in). The store keeps, in memory, which outgoing entries exist, how many reference each
 * message and which messages are inline, so the message goes in the same transaction as its last
 * reference, without a query. Orphans (if any) are removed on load.
 */
import { join } from 'node:path';
import type { Message, SubscriptionRequest } from '../broker/types.js';
import type { Logger } from '../observe/logger.js';
import { encodeJson } from './json-codec.js';
import { Batch } from './sqlite-batch.js';
import { ClientSeqs } from './sqlite-client-seqs.js';
import { loadAll, purgeExpired, readCounters } from './sqlite-load.js';
import {
  DATABASE_FILE,
  describeOpenFailure,
  type OpenedDatabase,
  openDatabase,
  removePidFile,
} from './sqlite-open.js';
import { outgoingParams, prepareStatements, type Statements, subscriptionParams } from './sqlite-rows.js';
import type {
  LoadedState,
  SqliteStoreOptions,
  Store,
  StoredMessage,
  StoredOutgoing,
  StoredSession,
} from './types.js';

export interface SqliteStoreOpenOptions extends SqliteStoreOptions {
  /** Commit early once this many mutations are pending (default 5000). */
  maxBatchSize?: number;
  /** Clock, epoch ms, used to purge expired retained and queued messages on load. */
  now?: () => number;
  /** Where commit failures are reported (they also reach the flush callbacks). */
  logger?: Logger;
}

export interface SqliteStore extends Store {
  /** The database file (`<directory>/mqttsn-gateway.db`); known before load(). */
  readonly file: string;
  /** Transactions committed since load (group-commit tests, metrics). */
  readonly transactionCount: number;
  /** The pragmas in force, as SQLite reports them. */
  pragmas(): { journalMode: string; synchronous: number; lockingMode: string };
  /**
   * Tests only: drop the connection without committing what is pending — what `kill -9` leaves
   * behind. The store is closed afterwards.
   */
  abandon(): void;
}

const DEFAULT_MAX_BATCH = 5000;

class ClosedStoreError extends Error {
  constructor() {
    super('store is closed');
    this.name = 'ClosedStoreError';
  }
}

interface OutgoingRef {
  clientId: string;
  messageId: number;
}

type FlushCallback = (error?: Error) => void;

export function createSqliteStore(options: SqliteStoreOpenOptions): SqliteStore {
  const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH;
  const now = options.now ?? Date.now;
  let opened: OpenedDatabase | undefined;
  let statements: Statements | undefined;
  let batch = new Batch();
  let callbacks: FlushCallback[] = [];
  let commitScheduled = false;
  let transactionCount = 0;
  // What is true once every submitted mutation is applied (disk + batch).
  const outgoing = new Map<number, OutgoingRef>();
  const seqsByClient = new ClientSeqs((seq) => outgoing.get(seq)?.clientId);
  const references = new Map<number, number>();
  /** messageId → seq of the queue row holding it inline (committed, and its only reference). */
  const inlineHolders = new Map<number, number>();
  /**
   * Messages whose `messages` row is on disk although nothing references them (saved, never
   * queued; purged at the next load). Saved again, such a message must replace that row: written
   * inline, it would be shadowed by it.
   */
  const orphans = new Set<number>();
  const soleReference = (messageId: number): boolean => references.get(messageId) === 1;
  const referenced = (messageId: number): boolean => references.has(messageId);
  let lastMessageId = 0;
  let lastSeq = 0;
  let committedLastMessageId = 0;
  let committedLastSeq = 0;

  function database(): OpenedDatabase {
    if (opened === undefined) throw new ClosedStoreError();
    return opened;
  }

  function submitted(): void {
    batch.submitted += 1;
    if (batch.submitted >= maxBatchSize) commit();
    else scheduleCommit();
  }

  function scheduleCommit(): void {
    if (commitScheduled) return;
    commitScheduled = true;
    setImmediate(() => {
      commitScheduled = false;
      if (opened !== undefined) commit();
    });
  }

  /** Apply the batch in one transaction; then (or on failure) answer the waiting flushes, in order. */
  function commit(): void {
    const { db } = database();
    const waiting = callbacks;
    callbacks = [];
    let failure: Error | undefined;
    if (!batch.isEmpty() || lastMessageId !== committedLastMessageId || lastSeq !== committedLastSeq) {
      const current = batch;
      let inlined: [number, number][] = [];
      try {
        db.transaction(() => {
          inlined = current.apply(statements!, soleReference, referenced);
          if (lastMessageId !== committedLastMessageId)
            statements!.setMeta.run(lastMessageId, 'last_message_id');
          if (lastSeq !== committedLastSeq) statements!.setMeta.run(lastSeq, 'last_seq');
        })();
        transactionCount += 1;
        committedLastMessageId = lastMessageId;
        committedLastSeq = lastSeq;
        for (const [messageId, seq] of inlined) inlineHolders.set(messageId, seq);
        for (const messageId of current.unreferencedPuts) orphans.add(messageId);
        batch = new Batch();
      } catch (error) {
        // The batch stays pending (newer mutations keep merging into it) and is retried at the
        // next commit; the callbacks waiting now learn that their data is not durable.
        failure = new Error(`store commit failed: ${error instanceof Error ? error.message : String(error)}`);
        options.logger?.error(`${database().file}: ${failure.message}`);
      }
    }
    // Never call back from inside a mutation call (an early commit runs there).
    for (const callback of waiting) queueMicrotask(() => callback(failure));
  }

  /** A queue row `seq` now references the message; one held inline elsewhere moves to `messages`. */
  function addReference(messageId: number, seq: number): void {
    const count = references.get(messageId) ?? 0;
    references.set(messageId, count + 1);
    // Only a committed message can be an orphan on disk or inline (the hot path skips both).
    if (messageId > committedLastMessageId) return;
    orphans.delete(messageId);
    const holder = inlineHolders.get(messageId);
    if (holder !== undefined && holder !== seq) {
      inlineHolders.delete(messageId);
      batch.promotions.set(messageId, holder);
    }
  }

  function dropReference(messageId: number): void {
    const count = (references.get(messageId) ?? 0) - 1;
    if (count > 0) {
      references.set(messageId, count);
      return;
    }
    references.delete(messageId);
    batch.messagePuts.delete(messageId);
    // Inline: it goes with its row (deleted, or rewritten for another message).
    if (inlineHolders.delete(messageId)) return;
    if (batch.newMessages.delete(messageId)) return;
    batch.messageDeletes.add(messageId);
  }

  /** Forget entry `seq` (a delete, or the client's whole queue): the batch deletes its row. */
  function removeOutgoing(seq: number, ref: OutgoingRef): void {
    outgoing.delete(seq);
    if (batch.newOutgoing.delete(seq)) batch.outgoing.delete(seq);
    else batch.outgoing.set(seq, null);
    dropReference(ref.messageId);
  }

  function rebuildIndexes(state: LoadedState, inline: Map<number, number>): void {
    outgoing.clear();
    seqsByClient.clear();
    references.clear();
    inlineHolders.clear();
    orphans.clear();
    for (const entry of state.outgoing) {
      outgoing.set(entry.seq, { clientId: entry.clientId, messageId: entry.messageId });
      seqsByClient.add(entry.clientId, entry.seq);
      references.set(entry.messageId, (references.get(entry.messageId) ?? 0) + 1);
    }
    for (const [messageId, seq] of inline) inlineHolders.set(messageId, seq);
    lastMessageId = committedLastMessageId = state.lastMessageId;
    lastSeq = committedLastSeq = state.lastSeq;
  }

  function open(): OpenedDatabase {
    const database = openDatabase(options.directory, options.sync);
    try {
      statements = prepareStatements(database.db);
      return database;
    } catch (error) {
      database.db.close();
      removePidFile(database.pidFile);
      throw describeOpenFailure(database.file, database.pidFile, error);
    }
  }

  function closeConnection(database: OpenedDatabase): void {
    database.db.close();
    removePidFile(database.pidFile);
    opened = undefined;
    statements = undefined;
  }

  const store: SqliteStore = {
    get file(): string {
      return join(options.directory, DATABASE_FILE);
    },

    get transactionCount(): number {
      return transactionCount;
    },

    load(): LoadedState {
      if (opened !== undefined) commit();
      opened ??= open();
      const { db, file, pidFile } = opened;
      try {
        db.transaction(() => purgeExpired(db, now()))();
        const { state, inline } = loadAll(db, readCounters(db));
        rebuildIndexes(state, inline);
        // What SQLite itself reports, not what was asked for: proves persistence_sync reached it.
        options.logger?.info(`${file}: ${describePragmas(store.pragmas())}`);
        return state;
      } catch (error) {
        closeConnection(opened);
        throw describeOpenFailure(file, pidFile, error);
      }
    },

    saveSession(session: StoredSession): void {
      database();
      batch.sessions.set(session.clientId, encodeJson(session));
      submitted();
    },

    deleteSession(clientId: string): void {
      database();
      // Its queue rows go one by one by primary key: the in-memory index knows every seq, and the
      // outgoing table then needs no index on client_id (cheaper inserts on the hot path).
      for (const seq of seqsByClient.take(clientId)) {
        const ref = outgoing.get(seq);
        if (ref !== undefined) removeOutgoing(seq, ref);
      }
      batch.dropClient(clientId);
      submitted();
    },

    saveSubscription(clientId: string, subscription: SubscriptionRequest): void {
      database();
      let byFilter = batch.subscriptions.get(clientId);
      if (byFilter === undefined) {
        byFilter = new Map();
        batch.subscriptions.set(clientId, byFilter);
      }
      byFilter.set(subscription.filter, subscriptionParams(clientId, subscription));
      submitted();
    },

    deleteSubscription(clientId: string, filter: string): void {
      database();
      let byFilter = batch.subscriptions.get(clientId);
      if (byFilter === undefined) {
        byFilter = new Map();
        batch.subscriptions.set(clientId, byFilter);
      }
      byFilter.set(filter, null);
      submitted();
    },

    saveRetained(topic: string, message: Message | undefined): void {
      database();
      // Messages are immutable once handed to the core (broker/types.ts), so no copy is needed.
      batch.retained.set(topic, message === undefined ? null : message);
      submitted();
    },

    saveMessage(message: StoredMessage): void {
      database();
      if (message.id > lastMessageId) {
        // The hot path (every queued message): an id never used is neither on disk nor pending.
        lastMessageId = message.id;
        batch.newMessages.add(message.id);
        batch.messagePuts.set(message.id, message);
        submitted();
        return;
      }
      const onDisk =
        references.has(message.id) || batch.messageDeletes.has(message.id) || orphans.has(message.id);
      if (!onDisk && !batch.messagePuts.has(message.id)) batch.newMessages.add(message.id);
      batch.messageDeletes.delete(message.id);
      batch.messagePuts.set(message.id, message);
      // Saved again: the `messages` row written now shadows the inline copy.
      inlineHolders.delete(message.id);
      if (message.id > lastMessageId) lastMessageId = message.id;
      submitted();
    },

    saveOutgoing(entry: StoredOutgoing): void {
      database();
      const { seq, clientId, messageId } = entry;
      // A seq above every seq used so far is new (the hot path): no lookup in the pending batch.
      const previous = seq > lastSeq ? undefined : outgoing.get(seq);
      if (previous === undefined) {
        // Not in the store now; on disk only if a delete of it is pending in this batch.
        if (seq <= lastSeq && batch.outgoing.has(seq)) batch.replacedOutgoing.add(seq);
        else batch.newOutgoing.add(seq);
        addReference(messageId, seq);
        outgoing.set(seq, { clientId, messageId });
        seqsByClient.add(clientId, seq);
      } else {
        if (previous.messageId !== messageId) {
          addReference(messageId, seq);
          dropReference(previous.messageId);
          previous.messageId = messageId;
          if (!batch.newOutgoing.has(seq)) batch.replacedOutgoing.add(seq);
        }
        if (previous.clientId !== clientId) {
          const from = previous.clientId;
          previous.clientId = clientId;
          seqsByClient.remove(from);
          seqsByClient.add(clientId, seq);
        }
      }
      batch.outgoing.set(seq, outgoingParams(entry));
      if (seq > lastSeq) lastSeq = seq;
      submitted();
    },

    deleteOutgoing(clientId: string, seq: number): void {
      database();
      const previous = outgoing.get(seq);
      if (previous === undefined || previous.clientId !== clientId) return;
      removeOutgoing(seq, previous);
      seqsByClient.remove(clientId);
      submitted();
    },

    saveIncomingQos2(clientId: string, packetId: number): void {
      database();
      setIncoming(batch, clientId, packetId, true);
      submitted();
    },

    deleteIncomingQos2(clientId: string, packetId: number): void {
      database();
      setIncoming(batch, clientId, packetId, false);
      submitted();
    },

    saveGatewayState(clientId: string, state: unknown): void {
      database();
      batch.gatewayState.set(clientId, encodeJson(state));
      submitted();
    },

    deleteGatewayState(clientId: string): void {
      database();
      batch.gatewayState.set(clientId, null);
      submitted();
    },

    flush(callback: FlushCallback): void {
      database();
      callbacks.push(callback);
      scheduleCommit();
    },

    async close(): Promise<void> {
      if (opened === undefined) return;
      commit();
      const database = opened;
      if (!batch.isEmpty()) {
        closeConnection(database);
        throw new Error(`${database.file}: could not write the last changes before closing`);
      }
      try {
        // Fold the WAL back into the database file so a stopped gateway leaves one file.
        database.db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        closeConnection(database);
      }
    },

    pragmas() {
      const { db } = database();
      return {
        journalMode: String(db.pragma('journal_mode', { simple: true })),
        synchronous: Number(db.pragma('synchronous', { simple: true })),
        lockingMode: String(db.pragma('locking_mode', { simple: true })),
      };
    },

    abandon(): void {
      if (opened === undefined) return;
      batch = new Batch();
      callbacks = [];
      closeConnection(opened);
    },
  };
  return store;
}

function setIncoming(batch: Batch, clientId: string, packetId: number, present: boolean): void {
  let packetIds = batch.incoming.get(clientId);
  if (packetIds === undefined) {
    packetIds = new Map();
    batch.incoming.set(clientId, packetIds);
  }
  packetIds.set(packetId, present);
}

const SYNCHRONOUS_NAMES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

/** `synchronous=FULL journal_mode=wal locking_mode=exclusive`, as a start-up log line says it. */
export function describePragmas(pragmas: ReturnType<SqliteStore['pragmas']>): string {
  const synchronous = SYNCHRONOUS_NAMES[pragmas.synchronous] ?? String(pragmas.synchronous);
  return `synchronous=${synchronous} journal_mode=${pragmas.journalMode} locking_mode=${pragmas.lockingMode}`;
}
