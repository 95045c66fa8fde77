/**
 * An in-process broker (the real core) behind a real MQTT listener on 127.0.0.1, port 0, with
 * its log lines captured so tests can assert on them.
 */
import { createBroker } from '../../../src/broker/index.js';
import type { BrokerApi, BrokerOptions } from '../../../src/broker/types.js';
import {
  type MqttFrontEndOptions,
  type MqttListener,
  startMqttListener,
} from '../../../src/mqtt/listener.js';
import { createLogger } from '../../../src/observe/logger.js';

export interface TestBroker {
  broker: BrokerApi;
  listener: MqttListener;
  port: number;
  /** Every log line so far (debug level: the `-v` trace included). */
  logs: string[];
  close(): Promise<void>;
}

export async function startTestBroker(
  frontEnd: Partial<MqttFrontEndOptions> = {},
  brokerOptions: Partial<BrokerOptions> = {},
): Promise<TestBroker> {
  const logs: string[] = [];
  const logger = createLogger('debug', (line) => {
    logs.push(line);
    if (process.env.MQTT_TEST_LOG === '1') process.stderr.write(`${line}\n`);
  });
  const broker = createBroker({ sysInterval: 0, ...brokerOptions }, { logger });
  const listener = await startMqttListener({ port: 0, host: '127.0.0.1' }, broker, frontEnd, logger);
  return {
    broker,
    listener,
    port: listener.port,
    logs,
    close: async () => {
      await listener.close();
      await broker.close();
    },
  };
}

/** Resolves once a log line matches, or rejects after `ms` (tests stay bounded). */
export async function waitForLog(logs: string[], pattern: RegExp, ms = 3000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const line = logs.find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`no log line matching ${pattern}; got:\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
