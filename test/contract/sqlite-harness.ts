import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore, type SqliteStoreOpenOptions } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import type { HarnessOptions, StoreHarness } from './store.contract.js';

/**
 * A fresh temporary data directory. `memoryBacked` puts it on tmpfs when there is one: for tests of
 * logic that open and close stores by the hundred, where fsync costs would dominate.
 */
export function tempDirectory(memoryBacked = false): string {
  const base = memoryBacked && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtempSync(join(base, 'mqttsn-store-'));
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
