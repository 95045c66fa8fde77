/**
 * The mqttsn-gateway entry point (bin/mqttsn-gateway.js imports the built copy of this file).
 * Reads the configuration, starts the app, and shuts it down cleanly on SIGINT/SIGTERM; a second
 * signal exits at once. Start-up errors print one line, without a stack trace, and exit 1.
 */
import { startApp } from '../app.js';
import { ConfigError } from '../config/errors.js';
import type { GatewayConfig } from '../config/types.js';
import { createLogger, type Logger } from '../observe/logger.js';
import { packageVersion } from '../version.js';
import type { App, StartApp } from './app-contract.js';
import { buildGatewayCommand, configFromOptions, parseGatewayArgs } from './gateway-options.js';

/** Checks at compile time that src/app.ts implements the contract. */
const start: StartApp = startApp;

function failStartup(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

/** Errors whose message names the file (and line) to fix: a store, a password/ACL/admission file. */
const USER_FIXABLE_ERRORS = new Set([
  'StoreOpenError',
  'SecurityFileError',
  'SerialConfigError',
  'GatewayOptionsError',
]);

/** Known start-up failures are the user's to fix: show the message only; a bug keeps its stack. */
function describeStartupError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const expected = error instanceof ConfigError || 'code' in error || USER_FIXABLE_ERRORS.has(error.name);
  return expected ? error.message : (error.stack ?? error.message);
}

function readConfig(): GatewayConfig {
  const options = parseGatewayArgs(buildGatewayCommand(packageVersion()), process.argv);
  try {
    return configFromOptions(options);
  } catch (error) {
    return failStartup(describeStartupError(error));
  }
}

/** SIGINT/SIGTERM: close the app (even one still starting), then exit 0; a second signal exits now. */
function handleSignals(appStarting: Promise<App | undefined>, logger: Logger): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn(`${signal} received again: exiting without finishing the shutdown`);
      process.exit(1);
    }
    closing = true;
    logger.info(`${signal} received: shutting down`);
    appStarting
      .then((app) => app?.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`shutdown failed: ${describeStartupError(error)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  for (const warning of config.warnings) logger.warn(warning);
  logger.info(`mqttsn-gateway ${packageVersion()} starting (${config.configFile ?? 'built-in defaults'})`);
  const appStarting = start(config, logger).catch((error: unknown): undefined => {
    failStartup(describeStartupError(error));
  });
  handleSignals(appStarting, logger);
  await appStarting;
}

await main();
