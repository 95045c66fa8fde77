/**
 * The SQLite store (better-sqlite3 12, WAL): the embedded default. DESIGN.md "The store", issue 3.
 *
 * Mutations are cheap synchronous calls that only update a pending Batch (sqlite-batch.ts). The
 * batch is committed in ONE transaction at the end of the event-loop turn (setImmediate, so every
 * packet read in the same turn shares it) or as soon as it holds `maxBatchSize` mutations; flush
 * callbacks fire after that commit. With synchronous=NORMAL a WAL commit survives a process crash
 * (kill -9); FULL also fsyncs the WAL on every commit and survives power loss.
 *
 * Messages are one row each, referenced by outgoing rows. The store keeps, in memory, which
 * outgoing entries exist and how many reference each message, so the message row goes in the same
 * transaction as its last reference, without a query. Orphans (if any) are removed on load.
 */
import { join } from 'node:path';
import type { Message, SubscriptionRequest } from '../broker/types.js';
import type { Logger } from '../observe/logger.js';
import { encodeJson } from './json-codec.js';
import { Batch } from './sqlite-batch.js';
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
  const seqsByClient = new Map<string, Set<number>>();
  const references = new Map<number, number>();
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
      try {
        db.transaction(() => {
          current.apply(statements!);
          if (lastMessageId !== committedLastMessageId)
            statements!.setMeta.run(lastMessageId, 'last_message_id');
          if (lastSeq !== committedLastSeq) statements!.setMeta.run(lastSeq, 'last_seq');
        })();
        transactionCount += 1;
        committedLastMessageId = lastMessageId;
        committedLastSeq = lastSeq;
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
    batch.messagePuts.delete(messageId);
    if (batch.newMessages.delete(messageId)) return;
    batch.messageDeletes.add(messageId);
  }

  function trackOutgoing(seq: number, ref: OutgoingRef): void {
    outgoing.set(seq, ref);
    let seqs = seqsByClient.get(ref.clientId);
    if (seqs === undefined) {
      seqs = new Set();
      seqsByClient.set(ref.clientId, seqs);
    }
    seqs.add(seq);
  }

  function untrackOutgoing(seq: number, ref: OutgoingRef): void {
    outgoing.delete(seq);
    const seqs = seqsByClient.get(ref.clientId);
    seqs?.delete(seq);
    if (seqs?.size === 0) seqsByClient.delete(ref.clientId);
  }

  function rebuildIndexes(state: LoadedState): void {
    outgoing.clear();
    seqsByClient.clear();
    references.clear();
    for (const entry of state.outgoing) {
      trackOutgoing(entry.seq, { clientId: entry.clientId, messageId: entry.messageId });
      addReference(entry.messageId);
    }
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
        const state = loadAll(db, readCounters(db));
        rebuildIndexes(state);
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
      for (const seq of seqsByClient.get(clientId) ?? []) {
        const ref = outgoing.get(seq);
        outgoing.delete(seq);
        if (batch.newOutgoing.delete(seq)) batch.outgoing.delete(seq);
        else batch.outgoing.set(seq, null);
        if (ref !== undefined) dropReference(ref.messageId);
      }
      seqsByClient.delete(clientId);
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
      const onDisk = references.has(message.id) || batch.messageDeletes.has(message.id);
      if (!onDisk && !batch.messagePuts.has(message.id)) batch.newMessages.add(message.id);
      batch.messageDeletes.delete(message.id);
      batch.messagePuts.set(message.id, message);
      if (message.id > lastMessageId) lastMessageId = message.id;
      submitted();
    },

    saveOutgoing(entry: StoredOutgoing): void {
      database();
      const previous = outgoing.get(entry.seq);
      if (previous === undefined) {
        // Not in the store now; on disk only if a delete of it is pending in this batch.
        if (!batch.outgoing.has(entry.seq)) batch.newOutgoing.add(entry.seq);
        addReference(entry.messageId);
      } else {
        if (previous.messageId !== entry.messageId) {
          addReference(entry.messageId);
          dropReference(previous.messageId);
        }
        untrackOutgoing(entry.seq, previous);
      }
      trackOutgoing(entry.seq, { clientId: entry.clientId, messageId: entry.messageId });
      batch.outgoing.set(entry.seq, outgoingParams(entry));
      if (entry.seq > lastSeq) lastSeq = entry.seq;
      submitted();
    },

    deleteOutgoing(clientId: string, seq: number): void {
      database();
      const previous = outgoing.get(seq);
      if (previous === undefined || previous.clientId !== clientId) return;
      untrackOutgoing(seq, previous);
      if (batch.newOutgoing.delete(seq)) batch.outgoing.delete(seq);
      else batch.outgoing.set(seq, null);
      dropReference(previous.messageId);
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
