/**
 * Random mutation sequences applied to the memory store and to the SQLite store (with random batch
 * sizes, flushes and restarts in between) must load back the same state. This is what checks the
 * SQLite store's coalescing: whatever it skips or merges within a batch, the result is the same as
 * applying every mutation in order.
 */
import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../../src/store/memory.js';
import { createSqliteStore } from '../../../src/store/sqlite.js';
import type { Store, StoredOutgoing } from '../../../src/store/types.js';
import { tempDirectory } from '../../contract/sqlite-harness.js';
import { canonical, flushed } from '../../contract/store.contract.js';

const NOW = 1_800_000_000_000;
const client = fc.constantFrom('a', 'b', 'c');
const seq = fc.integer({ min: 1, max: 12 });
const messageId = fc.integer({ min: 1, max: 8 });
const state = fc.constantFrom<StoredOutgoing['state']>('queued', 'sent', 'released');

type Operation =
  | { kind: 'saveSession'; clientId: string; expiry: number }
  | { kind: 'deleteSession'; clientId: string }
  | { kind: 'saveSubscription'; clientId: string; filter: string; qos: 0 | 1 | 2 }
  | { kind: 'deleteSubscription'; clientId: string; filter: string }
  | { kind: 'saveRetained'; topic: string; clear: boolean; expired: boolean }
  | { kind: 'saveMessage'; id: number; expired: boolean }
  | { kind: 'saveOutgoing'; entry: StoredOutgoing }
  /** saveMessage then saveOutgoing of it, as the broker queues a message (SQLite: inline row). */
  | { kind: 'queue'; entry: StoredOutgoing; expired: boolean }
  | { kind: 'deleteOutgoing'; clientId: string; seq: number }
  | { kind: 'incoming'; clientId: string; packetId: number; save: boolean }
  | { kind: 'gateway'; clientId: string; value: number | null }
  | { kind: 'flush' }
  | { kind: 'restart' };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('saveSession' as const), clientId: client, expiry: fc.nat(100) }),
  fc.record({ kind: fc.constant('deleteSession' as const), clientId: client }),
  fc.record({
    kind: fc.constant('saveSubscription' as const),
    clientId: client,
    filter: fc.constantFrom('x', 'y/#'),
    qos: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
  }),
  fc.record({
    kind: fc.constant('deleteSubscription' as const),
    clientId: client,
    filter: fc.constantFrom('x', 'y/#'),
  }),
  fc.record({
    kind: fc.constant('saveRetained' as const),
    topic: fc.constantFrom('r1', 'r2'),
    clear: fc.boolean(),
    expired: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('saveMessage' as const), id: messageId, expired: fc.boolean() }),
  fc.record({ kind: fc.constant('saveOutgoing' as const), entry: outgoingEntry() }),
  fc.record({ kind: fc.constant('saveOutgoing' as const), entry: outgoingEntry() }),
  fc.record({ kind: fc.constant('queue' as const), entry: outgoingEntry(), expired: fc.boolean() }),
  fc.record({ kind: fc.constant('queue' as const), entry: outgoingEntry(), expired: fc.boolean() }),
  fc.record({ kind: fc.constant('deleteOutgoing' as const), clientId: client, seq }),
  fc.record({ kind: fc.constant('deleteOutgoing' as const), clientId: client, seq }),
  fc.record({
    kind: fc.constant('incoming' as const),
    clientId: client,
    packetId: fc.integer({ min: 1, max: 3 }),
    save: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('gateway' as const), clientId: client, value: fc.option(fc.nat(9)) }),
  fc.record({ kind: fc.constant('flush' as const) }),
  fc.record({ kind: fc.constant('restart' as const) }),
);

function outgoingEntry(): fc.Arbitrary<StoredOutgoing> {
  return fc.record({
    clientId: client,
    seq,
    messageId,
    qos: fc.constantFrom<0 | 1 | 2>(1, 2),
    retain: fc.boolean(),
    state,
    packetId: fc.integer({ min: 1, max: 65535 }),
  });
}

function saveMessage(store: Store, id: number, expired: boolean): void {
  store.saveMessage({
    id,
    topic: `t/${id}`,
    payload: Buffer.from([id]),
    qos: 2,
    retain: false,
    ...(expired ? { expiresAt: NOW - 1 } : {}),
  });
}

function apply(store: Store, op: Operation): void {
  switch (op.kind) {
    case 'saveSession':
      store.saveSession({ clientId: op.clientId, sessionExpiry: op.expiry, protocol: 'mqtt' });
      return;
    case 'deleteSession':
      store.deleteSession(op.clientId);
      return;
    case 'saveSubscription':
      store.saveSubscription(op.clientId, { filter: op.filter, qos: op.qos });
      return;
    case 'deleteSubscription':
      store.deleteSubscription(op.clientId, op.filter);
      return;
    case 'saveRetained':
      store.saveRetained(
        op.topic,
        op.clear
          ? undefined
          : {
              topic: op.topic,
              payload: Buffer.from('r'),
              qos: 0,
              retain: true,
              expiresAt: NOW + (op.expired ? -1 : 1),
            },
      );
      return;
    case 'saveMessage':
      saveMessage(store, op.id, op.expired);
      return;
    case 'queue':
      saveMessage(store, op.entry.messageId, op.expired);
      store.saveOutgoing({ ...op.entry, state: 'queued' });
      return;
    case 'saveOutgoing':
      store.saveOutgoing(op.entry);
      return;
    case 'deleteOutgoing':
      store.deleteOutgoing(op.clientId, op.seq);
      return;
    case 'incoming':
      if (op.save) store.saveIncomingQos2(op.clientId, op.packetId);
      else store.deleteIncomingQos2(op.clientId, op.packetId);
      return;
    case 'gateway':
      if (op.value === null) store.deleteGatewayState(op.clientId);
      else store.saveGatewayState(op.clientId, { v: op.value });
      return;
    default:
      return;
  }
}

describe('memory and SQLite stores agree on random mutation sequences', () => {
  it('after every flush and restart', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(operation, { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        async (ops, batch) => {
          const directory = tempDirectory(true);
          const now = () => NOW;
          const memory = createMemoryStore({ now });
          let sqlite = createSqliteStore({ directory, sync: 'normal', maxBatchSize: batch, now });
          try {
            memory.load();
            sqlite.load();
            for (const op of ops) {
              if (op.kind === 'flush') {
                await Promise.all([flushed(memory), flushed(sqlite)]);
              } else if (op.kind === 'restart') {
                await Promise.all([memory.close(), sqlite.close()]);
                sqlite = createSqliteStore({ directory, sync: 'normal', maxBatchSize: batch, now });
                expect(canonical(sqlite.load())).toEqual(canonical(memory.load()));
              } else {
                apply(memory, op);
                apply(sqlite, op);
              }
            }
            await Promise.all([memory.close(), sqlite.close()]);
            sqlite = createSqliteStore({ directory, sync: 'normal', now });
            expect(canonical(sqlite.load())).toEqual(canonical(memory.load()));
          } finally {
            await sqlite.close().catch(() => undefined);
            rmSync(directory, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 120 },
    );
  });
});
