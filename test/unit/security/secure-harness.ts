/**
 * A broker core with the listeners of a gateway.conf text (plain, TLS, WS, WSS) on 127.0.0.1,
 * port 0, with its log captured — the way the app starts them, for the security e2e tests.
 */
import { execFile } from 'node:child_process';
import { frontEndOptions } from '../../../src/app/mqtt-listeners.js';
import {
  limiterFromConfig,
  type SecureListener,
  startSecureListeners,
} from '../../../src/app/secure-listeners.js';
import { createBroker } from '../../../src/broker/index.js';
import type { BrokerApi, BrokerOptions } from '../../../src/broker/types.js';
import { parseGatewayConfig } from '../../../src/config/index.js';
import type { GatewayConfig } from '../../../src/config/types.js';
import { createLogger } from '../../../src/observe/logger.js';
import type { ConnectionLimiter } from '../../../src/security/limits.js';

export interface SecureBroker {
  broker: BrokerApi;
  config: GatewayConfig;
  listeners: SecureListener[];
  limiter: ConnectionLimiter;
  logs: string[];
  port(kind: SecureListener['kind']): number;
  close(): Promise<void>;
}

export async function startSecureBroker(
  conf: string,
  baseDir: string,
  brokerOptions: Partial<BrokerOptions> = {},
): Promise<SecureBroker> {
  const logs: string[] = [];
  const logger = createLogger('debug', (line) => {
    logs.push(line);
    if (process.env.MQTT_TEST_LOG === '1') process.stderr.write(`${line}\n`);
  });
  const config = parseGatewayConfig(conf, { file: 'gateway.conf', baseDir });
  const broker = createBroker({ sysInterval: 0, ...brokerOptions }, { logger });
  const limiter = limiterFromConfig(config);
  let listeners: SecureListener[];
  try {
    listeners = await startSecureListeners(config, broker, frontEndOptions(config), logger, { limiter });
  } catch (error) {
    await broker.close();
    throw error;
  }
  return {
    broker,
    config,
    listeners,
    limiter,
    logs,
    port: (kind) => {
      const l = listeners.find((x) => x.kind === kind);
      if (l === undefined) throw new Error(`no ${kind} listener`);
      return l.port;
    },
    close: async () => {
      await Promise.all(listeners.map((l) => l.close()));
      await broker.close();
    },
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (bounded by `timeout` ms) with stdin closed, never rejecting. */
export function run(cmd: string, args: string[], timeout = 10_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** Resolves once `condition` holds, or rejects after `ms`. */
export async function waitFor(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves once a log line matches, or rejects after `ms` (tests stay bounded). */
export async function waitForLog(logs: string[], pattern: RegExp, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const line = logs.find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`no log line matching ${pattern}; got:\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
