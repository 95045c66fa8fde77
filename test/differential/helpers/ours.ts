/**
 * Our broker in-process, the way the CLI wires it: createBroker + startMqttListener on
 * 127.0.0.1 port 0, with a memory store (so persistence code paths run as they do in production).
 */
import { createBroker } from '../../../src/broker/index.js';
import type { BrokerOptions } from '../../../src/broker/types.js';
import { type MqttFrontEndOptions, startMqttListener } from '../../../src/mqtt/listener.js';
import { createLogger } from '../../../src/observe/logger.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import type { RunningBroker } from './mosquitto.js';

export async function startOurs(
  brokerOptions: Partial<BrokerOptions> = {},
  frontEnd: Partial<MqttFrontEndOptions> = {},
): Promise<RunningBroker> {
  const lines: string[] = [];
  const logger = createLogger('debug', (line) => {
    lines.push(line);
    if (process.env.MQTT_TEST_LOG === '1') process.stderr.write(`ours: ${line}\n`);
  });
  const broker = createBroker({ sysInterval: 0, ...brokerOptions }, { logger, store: createMemoryStore() });
  const listener = await startMqttListener({ port: 0, host: '127.0.0.1' }, broker, frontEnd, logger);
  return {
    port: listener.port,
    log: () => lines.join('\n'),
    stop: async () => {
      await listener.close();
      await broker.close();
    },
  };
}
