/**
 * Opens the store gateway.conf asks for: SQLite in the data directory (the default, issue 3),
 * or memory only with `persistence false`.
 */
import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../observe/logger.js';
import { createSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';

/** No store at all with `persistence false`: the core then keeps state in its own maps only. */
export function openStore(config: GatewayConfig, logger: Logger): Store | undefined {
  if (!config.persistence) {
    logger.info('Persistence off: sessions and retained messages live in memory only.');
    return undefined;
  }
  const store = createSqliteStore({
    directory: config.persistenceLocation,
    sync: config.persistenceSync,
    logger,
  });
  logger.info(`Persistence: ${store.file} (sync ${config.persistenceSync}).`);
  return store;
}
