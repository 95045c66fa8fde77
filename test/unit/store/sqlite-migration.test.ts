/**
 * Schema migrations (issue 3: "the schema is versioned, with migrations"): a store file written at
 * schema version 1 (one `messages` row per queued message) opens at the current version with its
 * content intact, and keeps working; and what version 2 adds — messages inline in their only
 * queue row — is what a restart reads back, also once a second reference moves such a message
 * into `messages`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../../../src/store/sqlite.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../../src/store/sqlite-migrations.js';
import { DATABASE_FILE } from '../../../src/store/sqlite-open.js';
import type { StoredMessage, StoredOutgoing } from '../../../src/store/types.js';
import { tempDirectory } from '../../contract/sqlite-harness.js';
import { flushed } from '../../contract/store.contract.js';

let directory: string;
let store: SqliteStore | undefined;

beforeEach(() => {
  directory = tempDirectory();
});

afterEach(async () => {
  await store?.close().catch(() => undefined);
  store = undefined;
  rmSync(directory, { recursive: true, force: true });
});

function message(id: number): StoredMessage {
  return { id, topic: `t/${id}`, payload: Buffer.from([id, 0xff]), qos: 1, retain: false };
}

function entry(clientId: string, seq: number, messageId: number): StoredOutgoing {
  return { clientId, seq, messageId, qos: 1, retain: false, state: 'queued' };
}

function open(): SqliteStore {
  store = createSqliteStore({ directory, sync: 'normal' });
  return store;
}

async function restart(): Promise<ReturnType<SqliteStore['load']>> {
  await store?.close();
  return open().load();
}

/**
 * Close the store (it holds an exclusive lock) and list the rows in `messages` and the queue rows
 * carrying a message inline.
 */
async function rowsOnDisk(): Promise<{ messages: number[]; inline: number[] }> {
  await store?.close();
  store = undefined;
  const db = new Database(join(directory, DATABASE_FILE), { readonly: true });
  try {
    const ids = (sql: string) => db.prepare(sql).pluck().all() as number[];
    return {
      messages: ids('SELECT id FROM messages ORDER BY id'),
      inline: ids('SELECT message_id FROM outgoing WHERE m_payload IS NOT NULL ORDER BY seq'),
    };
  } finally {
    db.close();
  }
}

describe('schema version 1 → current', () => {
  it('a version 1 file with queued messages opens with everything in it, and takes new ones', async () => {
    const db = new Database(join(directory, DATABASE_FILE));
    const first = MIGRATIONS.find((migration) => migration.version === 1);
    if (first === undefined) throw new Error('no migration 1');
    first.up(db);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma('user_version = 1');
    db.prepare(
      "INSERT INTO messages (id, topic, payload, qos, retain) VALUES (1, 't/1', x'01ff', 1, 0), (2, 't/2', x'02ff', 1, 0)",
    ).run();
    db.prepare(
      `INSERT INTO outgoing (seq, client_id, message_id, qos, retain, state) VALUES
         (1, 'a', 1, 1, 0, 'queued'), (2, 'b', 1, 1, 0, 'queued'), (3, 'a', 2, 1, 0, 'queued')`,
    ).run();
    db.prepare("UPDATE meta SET value = 2 WHERE key = 'last_message_id'").run();
    db.prepare("UPDATE meta SET value = 3 WHERE key = 'last_seq'").run();
    db.close();

    const state = open().load();
    expect(state.messages).toEqual([message(1), message(2)]);
    expect(state.outgoing).toEqual([entry('a', 1, 1), entry('b', 2, 1), entry('a', 3, 2)]);
    await store?.close();
    const migrated = new Database(join(directory, DATABASE_FILE), { readonly: true });
    expect(migrated.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    migrated.close();

    open().load();
    store?.saveMessage(message(3));
    store?.saveOutgoing(entry('a', 4, 3));
    store?.deleteOutgoing('a', 1);
    await flushed(store!);
    const after = await restart();
    expect(after.messages).toEqual([message(1), message(2), message(3)]);
    expect(after.outgoing).toEqual([entry('b', 2, 1), entry('a', 3, 2), entry('a', 4, 3)]);
  });
});

describe('messages inline in their only queue row', () => {
  it('are written inline, moved to `messages` by a second reference, and dropped with the last', async () => {
    open().load();
    store?.saveMessage(message(1));
    store?.saveOutgoing(entry('a', 1, 1));
    await flushed(store!);
    expect(await rowsOnDisk()).toEqual({ messages: [], inline: [1] });
    expect((await restart()).messages).toEqual([message(1)]);

    // A second queue takes the message (a retained message queued for another session): it moves.
    store?.saveOutgoing(entry('b', 2, 1));
    store?.deleteOutgoing('a', 1);
    await flushed(store!);
    expect((await rowsOnDisk()).messages).toEqual([1]);
    let state = await restart();
    expect(state.messages).toEqual([message(1)]);
    expect(state.outgoing).toEqual([entry('b', 2, 1)]);

    store?.deleteOutgoing('b', 2);
    await flushed(store!);
    state = await restart();
    expect(state.messages).toEqual([]);
    expect(await rowsOnDisk()).toEqual({ messages: [], inline: [] });
  });

  it('a state change keeps the inline message; an expired inline message is purged while queued', async () => {
    const now = 1_800_000_000_000;
    store = createSqliteStore({ directory, sync: 'normal', now: () => now });
    store.load();
    store.saveMessage(message(1));
    store.saveMessage({ ...message(2), expiresAt: now + 10 });
    store.saveOutgoing(entry('a', 1, 1));
    store.saveOutgoing(entry('a', 2, 2));
    await flushed(store);
    store.saveOutgoing({ ...entry('a', 1, 1), state: 'sent', packetId: 9 });
    await flushed(store);
    await store.close();
    store = createSqliteStore({ directory, sync: 'normal', now: () => now + 1000 });
    const state = store.load();
    expect(state.outgoing).toEqual([{ ...entry('a', 1, 1), state: 'sent', packetId: 9 }]);
    expect(state.messages).toEqual([message(1)]);
  });
});
