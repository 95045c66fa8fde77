/**
 * Group commit (issue 3: "one transaction per event-loop turn or batch — never one fsync per
 * message"), and what a kill -9 of a writing process leaves: everything a flush callback confirmed,
 * and a prefix of the submitted mutations (transactions are atomic and in order).
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../../../src/store/sqlite.js';
import { tempDirectory } from '../../contract/sqlite-harness.js';
import { flushed } from '../../contract/store.contract.js';
import { type CompiledStore, compileStore, spawnStoreChild } from './compiled-store.js';

let directory: string;
let store: SqliteStore;

beforeEach(() => {
  directory = tempDirectory();
});

afterEach(async () => {
  await store?.close().catch(() => undefined);
  rmSync(directory, { recursive: true, force: true });
});

function open(maxBatchSize?: number): SqliteStore {
  store = createSqliteStore({ directory, sync: 'normal', ...(maxBatchSize ? { maxBatchSize } : {}) });
  store.load();
  return store;
}

function queueMessage(id: number, clientId = 'sub'): void {
  store.saveMessage({ id, topic: 't', payload: Buffer.from([id & 0xff]), qos: 1, retain: false });
  store.saveOutgoing({ clientId, seq: id, messageId: id, qos: 1, retain: false, state: 'queued' });
}

describe('group commit', () => {
  it('a burst of mutations with a flush per message in one turn is one transaction', async () => {
    open();
    const acks: Promise<void>[] = [];
    for (let id = 1; id <= 1000; id += 1) {
      queueMessage(id);
      acks.push(flushed(store));
    }
    await Promise.all(acks);
    expect(store.transactionCount).toBe(1);
  });

  it('one transaction per event-loop turn', async () => {
    open();
    for (let turn = 0; turn < 5; turn += 1) {
      for (let i = 1; i <= 10; i += 1) queueMessage(turn * 10 + i);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await flushed(store);
    expect(store.transactionCount).toBe(5);
  });

  it('a batch that reaches maxBatchSize commits at once (2 mutations per message here)', async () => {
    open(100);
    for (let id = 1; id <= 500; id += 1) queueMessage(id);
    expect(store.transactionCount).toBe(10);
    await flushed(store);
    expect(store.transactionCount).toBe(10);
  });

  it('nothing pending: a flush costs no transaction', async () => {
    open();
    await flushed(store);
    await flushed(store);
    expect(store.transactionCount).toBe(0);
  });

  it('flush callbacks wait for the commit of what came before them, not for later batches', async () => {
    open();
    queueMessage(1);
    const events: string[] = [];
    store.flush(() => events.push(`first, after ${store.transactionCount} transaction(s)`));
    await new Promise((resolve) => setImmediate(resolve));
    queueMessage(2);
    await flushed(store);
    expect(events).toEqual(['first, after 1 transaction(s)']);
    expect(store.transactionCount).toBe(2);
  });
});

describe('kill -9 of a writing process', () => {
  let compiled: CompiledStore;
  beforeAll(() => {
    compiled = compileStore();
  });
  afterAll(() => compiled?.cleanup());

  it('keeps every entry a flush confirmed, and a consistent prefix of the rest', async () => {
    for (let round = 0; round < 3; round += 1) {
      const writer = spawnStoreChild(compiled, 'write', directory);
      let confirmed = 0;
      try {
        await writer.waitFor(/^ready /);
        // Kill at a moment that differs every round, some hundreds of entries in.
        await writer.waitFor(new RegExp(`^durable ${(round + 1) * 300 + Math.floor(Math.random() * 200)}$`));
      } finally {
        await writer.kill();
      }
      for (const line of writer.lines()) {
        const match = /^durable (\d+)$/.exec(line);
        if (match) confirmed = Math.max(confirmed, Number(match[1]));
      }
      const reader = createSqliteStore({ directory, sync: 'normal' });
      const state = reader.load();
      await reader.close();
      // The child numbers entries from 1 and, with entry 3k, deletes entry 3k-1 (and its message).
      const last = Math.max(...state.outgoing.map((e) => e.seq));
      expect(last).toBeGreaterThanOrEqual(confirmed);
      const expected: number[] = [];
      for (let seq = 1; seq <= last; seq += 1) if (!(seq % 3 === 2 && seq + 1 <= last)) expected.push(seq);
      expect(state.outgoing.map((e) => e.seq)).toEqual(expected);
      expect(state.messages.map((m) => m.id).sort((a, b) => a - b)).toEqual(expected);
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
