import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore, type SqliteStoreOpenOptions } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import type { HarnessOptions, StoreHarness } from './store.contract.js';

export function tempDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'mqttsn-store-'));
}

export function sqliteHarness(
  { now }: HarnessOptions,
  extra: Partial<SqliteStoreOpenOptions> = {},
): StoreHarness & { directory: string } {
  const directory = tempDirectory();
  return {
    directory,
    open: () => createSqliteStore({ directory, sync: 'normal', now, ...extra }),
    crash: (store: Store) => {
      if ('abandon' in store && typeof store.abandon === 'function') store.abandon();
      else throw new Error('not a SQLite store');
    },
    cleanup: async () => rmSync(directory, { recursive: true, force: true }),
  };
}
