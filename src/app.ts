/**
 * The application: builds everything gateway.conf describes and wires it together —
 * store → broker core → MQTT listeners (and the MQTT-SN gateway on its transports).
 * Dependencies point one way (DESIGN.md): cli → app → front ends → broker → store.
 */

import { startMqttListeners } from './app/mqtt-listeners.js';
import { startMqttSn } from './app/mqttsn.js';
import { openStore } from './app/store.js';
import { createBroker } from './broker/index.js';
import type { App, StartApp } from './cli/app-contract.js';
import type { GatewayConfig } from './config/types.js';
import type { Logger } from './observe/logger.js';
import { packageVersion } from './version.js';

export interface RunningApp extends App {
  /** Ports actually bound (port 0 in tests), in config order. */
  readonly mqttPorts: number[];
  /** MQTT-SN UDP ports actually bound, in config order. */
  readonly mqttsnPorts: number[];
}

export const startApp: StartApp = (config, logger) => startGateway(config, logger);

export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningApp> {
  const store = openStore(config, logger);
  // Read once; the core and the MQTT-SN gateway both restore from this one state.
  const loaded = store?.load();
  const broker = createBroker(brokerOptions(config), {
    logger,
    ...(store && loaded ? { store, loaded } : {}),
  });
  let listeners: Awaited<ReturnType<typeof startMqttListeners>> = [];
  let mqttsn: Awaited<ReturnType<typeof startMqttSn>> | undefined;
  try {
    // MQTT-SN first: once TCP accepts, every transport is up (tests and scripts wait for TCP).
    mqttsn = await startMqttSn(config, broker, store, logger, loaded?.gatewayState);
    listeners = await startMqttListeners(config, broker, logger);
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    await mqttsn?.gateway.close();
    await broker.close();
    await store?.close();
    throw error;
  }
  const gateway = mqttsn.gateway;
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    await Promise.all(listeners.map((l) => l.close()));
    await gateway.close();
    await broker.close();
    await store?.close();
    logger.info('mqttsn-gateway stopped; persistent sessions kept.');
  };
  return {
    mqttPorts: listeners.map((l) => l.port),
    mqttsnPorts: mqttsn.udp.map((t) => t.port),
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}

function brokerOptions(config: GatewayConfig) {
  return {
    maxQueuedMessages: config.maxQueuedMessages,
    maxInflightMessages: config.maxInflightMessages,
    queueQos0Messages: config.queueQos0Messages,
    retainAvailable: config.retainAvailable,
    maximumQos: config.maximumQos,
    sysInterval: config.sysInterval,
    version: `mqttsn-gateway ${packageVersion()}`,
  };
}
