/**
 * What the CLI needs from the application (src/app.ts, which wires broker, listeners, gateway and
 * transports): start everything from a GatewayConfig, and shut it all down again.
 */
import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../observe/logger.js';

export interface App {
  /**
   * Stop accepting, close every connection and transport, flush and close the store. Persistent
   * sessions are kept (issue 2: SIGINT/SIGTERM shut down cleanly, keeping persistent sessions).
   */
  close(): Promise<void>;
}

/**
 * Starts the gateway. Rejects when something cannot start (a port in use, a store that cannot be
 * opened …); the CLI then prints the error's message and exits 1.
 */
export type StartApp = (config: GatewayConfig, logger: Logger) => Promise<App>;
