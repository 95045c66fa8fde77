/**
 * A broker core with the listeners of a gateway.conf text (plain, TLS, WS, WSS) on 127.0.0.1,
 * port 0, with its log captured — the way the app starts them, for the security e2e tests.
 */
import { execFile } from 'node:child_process';
import { frontEndOptions } from '../../../src/app/mqtt-listeners.js';
import {
  type SecureListener,
  socketAdmission,
  startSecureListeners,
} from '../../../src/app/secure-listeners.js';
import { createBroker } from '../../../src/broker/index.js';
import type { BrokerApi, BrokerOptions } from '../../../src/broker/types.js';
import { parseGatewayConfig } from '../../../src/config/index.js';
import type { GatewayConfig } from '../../../src/config/types.js';
import { type MqttListener, startMqttListener } from '../../../src/mqtt/listener.js';
import { createLogger } from '../../../src/observe/logger.js';
import type { ConnectionLimiter } from '../../../src/security/limits.js';
import { loadSecurity, type SecuritySetup } from '../../../src/security/setup.js';

export interface SecureBroker {
  broker: BrokerApi;
  config: GatewayConfig;
  listeners: SecureListener[];
  limiter: ConnectionLimiter;
  logs: string[];
  security: SecuritySetup;
  /** Port of the first listener of that kind ('tcp' = a plain `listener`). */
  port(kind: SecureListener['kind'] | 'tcp'): number;
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
  // Wired as the app wires it: the security setup's authorizer into the core, its authenticate
  // hook into every MQTT listener, one limiter for all of them.
  const security = loadSecurity(config, logger);
  const broker = createBroker(
    {
      sysInterval: 0,
      ...(security.authorizer === undefined ? {} : { authorizer: security.authorizer }),
      ...brokerOptions,
    },
    { logger },
  );
  const limiter = security.limiter;
  const options = { ...frontEndOptions(config), authenticate: security.authenticate };
  const plain: MqttListener[] = [];
  let listeners: SecureListener[];
  try {
    // Only the plain listeners the text names: the default (1883) would collide between tests.
    const plainSpecs = config.locations.listeners === undefined ? [] : config.listeners;
    for (const spec of plainSpecs) {
      const admit = socketAdmission(limiter, logger, `MQTT listener on port ${spec.port}`);
      plain.push(
        await startMqttListener({ port: spec.port, host: spec.bind }, broker, options, logger, admit),
      );
    }
    listeners = await startSecureListeners(config, broker, options, logger, { limiter });
  } catch (error) {
    await Promise.all(plain.map((l) => l.close()));
    await broker.close();
    throw error;
  }
  return {
    broker,
    config,
    listeners,
    limiter,
    logs,
    security,
    port: (kind) => {
      if (kind === 'tcp') {
        if (plain[0] === undefined) throw new Error('no plain listener');
        return plain[0].port;
      }
      const l = listeners.find((x) => x.kind === kind);
      if (l === undefined) throw new Error(`no ${kind} listener`);
      return l.port;
    },
    close: async () => {
      await Promise.all([...plain, ...listeners].map((l) => l.close()));
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
