/**
 * The MQTT listeners of gateway.conf (`listener PORT [BIND]`, repeatable), all onto one broker.
 */
import type { BrokerApi } from '../broker/types.js';
import type { GatewayConfig } from '../config/types.js';
import { type MqttFrontEndOptions, type MqttListener, startMqttListener } from '../mqtt/listener.js';
import type { Logger } from '../observe/logger.js';
import type { SecuritySetup } from '../security/index.js';
import { socketAdmission } from './secure-listeners.js';

export function frontEndOptions(config: GatewayConfig): Partial<MqttFrontEndOptions> {
  return {
    maxPacketSize: config.maxPacketSize,
    receiveMaximum: config.receiveMaximum,
    topicAliasMaximum: config.topicAliasMaximum,
    connectTimeoutMs: config.connectTimeout * 1000,
    retainAvailable: config.retainAvailable,
    maximumQos: config.maximumQos,
    maxInflightMessages: config.maxInflightMessages,
  };
}

export async function startMqttListeners(
  config: GatewayConfig,
  broker: BrokerApi,
  logger: Logger,
  security?: SecuritySetup,
): Promise<MqttListener[]> {
  const options = {
    ...frontEndOptions(config),
    ...(security ? { authenticate: security.authenticate } : {}),
  };
  const started: MqttListener[] = [];
  try {
    for (const spec of config.listeners) {
      const admit =
        security && socketAdmission(security.limiter, logger, `MQTT listener on port ${spec.port}`);
      const listener = await startMqttListener(
        { port: spec.port, host: spec.bind },
        broker,
        options,
        logger,
        admit,
      );
      started.push(listener);
    }
  } catch (error) {
    await Promise.all(started.map((l) => l.close()));
    throw error;
  }
  return started;
}
