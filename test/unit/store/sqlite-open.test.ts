/**
 * SQLite store start-up: every way opening the file can go wrong gives a StoreOpenError naming the
 * file and what to do, and leaves the file untouched (issue 3: never silent data loss).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../../src/store/sqlite.js';
import { SCHEMA_VERSION } from '../../../src/store/sqlite-migrations.js';
import { DATABASE_FILE, PID_FILE } from '../../../src/store/sqlite-open.js';
import { StoreOpenError } from '../../../src/store/types.js';
import { tempDirectory } from '../../contract/sqlite-harness.js';
import { type CompiledStore, compileStore, spawnStoreChild } from './compiled-store.js';

let directory: string;
let file: string;

beforeEach(() => {
  directory = tempDirectory();
  file = join(directory, DATABASE_FILE);
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function openError(dir = directory): StoreOpenError {
  const store = createSqliteStore({ directory: dir, sync: 'normal' });
  try {
    store.load();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreOpenError);
    return error as StoreOpenError;
  }
  void store.close();
  throw new Error('load() succeeded');
}

async function createStoreWithData(): Promise<void> {
  const store = createSqliteStore({ directory, sync: 'normal' });
  store.load();
  store.saveSession({ clientId: 'c', sessionExpiry: 60, protocol: 'mqtt' });
  for (let id = 1; id <= 200; id += 1) {
    store.saveMessage({ id, topic: `t/${id}`, payload: Buffer.alloc(200, id), qos: 1, retain: false });
    store.saveOutgoing({ clientId: 'c', seq: id, messageId: id, qos: 1, retain: false, state: 'queued' });
  }
  await store.close();
}

describe('a new data directory', () => {
  it('is created, with a database at the current schema version marked as ours', async () => {
    const nested = join(directory, 'a', 'b');
    const store = createSqliteStore({ directory: nested, sync: 'normal' });
    // Known before load(), for the start-up log line.
    expect(store.file).toBe(join(nested, DATABASE_FILE));
    store.load();
    await store.close();
    const db = new Database(join(nested, DATABASE_FILE), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('application_id', { simple: true })).toBe(0x4d51534e);
    db.close();
  });

  it('that cannot be created (a file is in the way) is named in the error', () => {
    const blocker = join(directory, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const error = openError(join(blocker, 'data'));
    expect(error.file).toBe(join(blocker, 'data'));
    expect(error.message).toMatch(/cannot create the data directory \(ENOTDIR\)/);
  });
});

describe('a damaged or foreign file is refused and left as it was', () => {
  it('not a database', () => {
    const garbage = Buffer.alloc(8192, 'this is not sqlite ');
    writeFileSync(file, garbage);
    const error = openError();
    expect(error.file).toBe(file);
    expect(error.message).toMatch(/file is not a database/);
    expect(error.message).toMatch(/move it aside/);
    expect(readFileSync(file)).toEqual(garbage);
  });

  it('database disk image is malformed', async () => {
    await createStoreWithData();
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    expect(bytes.length).toBeGreaterThan(pageSize * 4);
    // Keep page 1 (header and schema), trash the b-tree pages after it.
    const damaged = Buffer.from(bytes);
    damaged.fill(0xa5, pageSize, bytes.length);
    writeFileSync(file, damaged);
    const error = openError();
    expect(error.file).toBe(file);
    expect(error.message).toMatch(/malformed/);
    expect(error.message).toMatch(/move the file aside/);
    expect(readFileSync(file)).toEqual(damaged);
  });

  it('written by a newer mqttsn-gateway', async () => {
    await createStoreWithData();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = readFileSync(file);
    const error = openError();
    expect(error.message).toContain(
      `written by a newer mqttsn-gateway (schema ${SCHEMA_VERSION + 1} > ${SCHEMA_VERSION})`,
    );
    expect(error.message).toMatch(/upgrade mqttsn-gateway, or move the file aside/);
    expect(readFileSync(file)).toEqual(before);
  });

  it('another application’s SQLite database', () => {
    const db = new Database(file);
    db.exec('CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES (1)');
    db.close();
    const error = openError();
    expect(error.message).toMatch(/not an mqttsn-gateway store/);
    const again = new Database(file, { readonly: true });
    expect(again.prepare('SELECT count(*) FROM notes').pluck().get()).toBe(1);
    again.close();
  });
});

describe('sync levels', () => {
  it.each([
    ['normal', 1],
    ['full', 2],
  ] as const)('%s: WAL, exclusive locking, synchronous=%i', async (sync, synchronous) => {
    const store = createSqliteStore({ directory, sync });
    store.load();
    expect(store.pragmas()).toEqual({ journalMode: 'wal', lockingMode: 'exclusive', synchronous });
    await store.close();
  });
});

describe('one gateway per data directory', () => {
  let compiled: CompiledStore;
  beforeAll(() => {
    compiled = compileStore();
  });
  afterAll(() => compiled?.cleanup());

  it('a store held by another running process is refused, naming its pid; after kill -9 it opens', async () => {
    await createStoreWithData();
    const holder = spawnStoreChild(compiled, 'hold', directory);
    try {
      await holder.waitFor(/^ready /);
      const error = openError();
      expect(error.file).toBe(file);
      expect(error.message).toContain(`locked by another process (pid ${holder.process.pid}`);
      expect(error.message).toMatch(/another mqttsn-gateway is probably running/);
    } finally {
      await holder.kill();
    }
    // No manual clean-up: the kernel released the lock with the process; the stale pid file is harmless.
    expect(readFileSync(join(directory, PID_FILE), 'utf8').trim()).toBe(String(holder.process.pid));
    const store = createSqliteStore({ directory, sync: 'normal' });
    expect(store.load().outgoing).toHaveLength(200);
    await store.close();
  });

  it('a second store in the same process is refused too', async () => {
    const first = createSqliteStore({ directory, sync: 'normal' });
    first.load();
    expect(openError().message).toContain(`pid ${process.pid}`);
    await first.close();
  });
});
