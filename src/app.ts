/**
 * The application: builds everything gateway.conf describes and wires it together —
 * store → broker core → MQTT listeners (and the MQTT-SN gateway on its transports).
 * Dependencies point one way (DESIGN.md): cli → app → front ends → broker → store.
 */

import { frontEndOptions, startMqttListeners } from './app/mqtt-listeners.js';
import { startMqttSn } from './app/mqttsn.js';
import { type SecureListener, startSecureListeners } from './app/secure-listeners.js';
import { openStore } from './app/store.js';
import { createBroker } from './broker/index.js';
import type { App, StartApp } from './cli/app-contract.js';
import type { GatewayConfig } from './config/types.js';
import type { Logger } from './observe/logger.js';
import { MqttSnSysPublisher, serialCounterSource, udpCounterSource } from './observe/mqttsn-sys.js';
import { loadSecurity, SecuritySysPublisher } from './security/index.js';
import { packageVersion } from './version.js';

export interface RunningApp extends App {
  /** Ports actually bound (port 0 in tests), in config order. */
  readonly mqttPorts: number[];
  /** MQTT-SN UDP ports actually bound, in config order. */
  readonly mqttsnPorts: number[];
  /** tls_listener, ws_listener and wss_listener ports actually bound, each in config order. */
  readonly securePorts: SecurePorts;
}

export interface SecurePorts {
  tls: number[];
  ws: number[];
  wss: number[];
}

export const startApp: StartApp = (config, logger) => startGateway(config, logger);

export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningApp> {
  // password_file, acl_file, mqttsn_admission_file: a bad file stops start-up naming file:line.
  const security = loadSecurity(config, logger);
  for (const line of security.summary) logger.info(`Security: ${line}.`);
  const store = openStore(config, logger);
  // Read once; the core and the MQTT-SN gateway both restore from this one state.
  const loaded = store?.load();
  const authorizer = security.authorizer ? { authorizer: security.authorizer } : {};
  const broker = createBroker(
    { ...brokerOptions(config), ...authorizer },
    {
      logger,
      ...(store && loaded ? { store, loaded } : {}),
    },
  );
  let listeners: Array<{ port: number; close(): Promise<void> }> = [];
  let secure: SecureListener[] = [];
  let mqttsn: Awaited<ReturnType<typeof startMqttSn>> | undefined;
  try {
    // MQTT-SN first: once TCP accepts, every transport is up (tests and scripts wait for TCP).
    mqttsn = await startMqttSn(config, broker, store, logger, loaded?.gatewayState, security.mqttsn);
    const frontEnd = {
      ...frontEndOptions(config),
      authenticate: security.authenticate,
    };
    secure = await startSecureListeners(config, broker, frontEnd, logger, {
      limiter: security.limiter,
    });
    listeners = await startMqttListeners(config, broker, logger, security);
  } catch (error) {
    await Promise.all([...listeners, ...secure].map((l) => l.close()));
    await mqttsn?.gateway.close();
    await broker.close();
    await store?.close();
    throw error;
  }
  const gateway = mqttsn.gateway;
  // $SYS/broker/security/...: every refusal counted where mosquitto_sub can read it.
  const securitySys = new SecuritySysPublisher(broker, {
    limits: security.limiter.counters,
    metrics: broker.metrics,
    ...(security.authorizer ? { guard: security.authorizer.counters } : {}),
    ...(security.mqttsn ? { mqttsn: security.mqttsn.counters } : {}),
  });
  securitySys.start(config.sysInterval);
  // $SYS/broker/mqttsn/...: the gateway's and each transport's counters (issues 4 and 5).
  const mqttsnSys = new MqttSnSysPublisher(broker, {
    gateway,
    transports: [...mqttsn.udp.map(udpCounterSource), ...mqttsn.serial.map(serialCounterSource)],
  });
  mqttsnSys.start(config.sysInterval);
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    securitySys.stop();
    mqttsnSys.stop();
    await Promise.all([...listeners, ...secure].map((l) => l.close()));
    await gateway.close();
    await broker.close();
    await store?.close();
    logger.info('mqttsn-gateway stopped; persistent sessions kept.');
  };
  return {
    mqttPorts: listeners.map((l) => l.port),
    mqttsnPorts: mqttsn.udp.map((t) => t.port),
    securePorts: securePortsOf(secure),
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
    maxSubscriptionsPerClient: config.maxSubscriptionsPerClient,
    persistentClientExpiration: config.persistentClientExpiration,
    version: `mqttsn-gateway ${packageVersion()}`,
  };
}

function securePortsOf(secure: SecureListener[]): SecurePorts {
  const of = (kind: SecureListener['kind']): number[] =>
    secure.filter((l) => l.kind === kind).map((l) => l.port);
  return { tls: of('tls'), ws: of('ws'), wss: of('wss') };
}
