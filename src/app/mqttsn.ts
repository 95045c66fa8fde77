/**
 * The MQTT-SN side of gateway.conf: one UDP transport per `mqttsn_udp` socket and one serial
 * transport per `serial` line, all served by one gateway in this process (DESIGN.md: transports
 * chosen at run time — the Paho gateway needs one binary per transport).
 */
import { isIPv6 } from 'node:net';
import type { BrokerApi } from '../broker/types.js';
import type { GatewayConfig } from '../config/types.js';
import { type GatewayOptions, type MqttSnGateway, startMqttSnGateway } from '../gateway/index.js';
import type { SnSecurityHook } from '../gateway/options.js';
import type { Logger } from '../observe/logger.js';
import type { Store, StoredGatewayState } from '../store/types.js';
import { createSerialTransport, type SerialTransport } from '../transport/serial/serial-transport.js';
import type { DatagramTransport } from '../transport/types.js';
import { createUdpTransport, type UdpTransport } from '../transport/udp.js';

export interface MqttSnSide {
  gateway: MqttSnGateway;
  /** The UDP transports, in config order (their bound ports: `port`). */
  udp: UdpTransport[];
  /** The serial lines, in config order (their counters go to $SYS, src/observe/mqttsn-sys.ts). */
  serial: SerialTransport[];
  transports: DatagramTransport[];
}

export function gatewayOptions(config: GatewayConfig): Partial<GatewayOptions> {
  return {
    gatewayId: config.gatewayId,
    advertiseInterval: config.advertiseInterval,
    tRetry: config.tRetry,
    nRetry: config.nRetry,
    maxClients: config.mqttsnMaxClients,
    maxTopicsPerClient: config.mqttsnMaxTopicsPerClient,
    sleepBufferSize: config.sleepBufferSize,
    maxMessageSize: config.mqttsnMaxMessageSize,
    // Unset in gateway.conf: MQTT-SN §7.2's rule (+10 % over a minute, +50 % below).
    keepAliveTolerance: config.keepaliveTolerance,
    qosMinus1: config.qosMinus1,
    wakeupFromNewAddress: config.wakeupNewAddress,
    maxInflight: config.mqttsnMaxInflight,
    // The maps config already built; the gateway's lookup is config's PredefinedTopicTable too.
    predefinedTopics: config.predefinedTopicTable.globalTopics,
    clientPredefinedTopics: config.predefinedTopicTable.clientTopics,
  };
}

interface Transports {
  udp: UdpTransport[];
  serial: SerialTransport[];
  all: DatagramTransport[];
  /** `serial DEVICE client=ID`: the ClientId of an empty-ClientId CONNECT on that line. */
  clientIdByTransport: Map<DatagramTransport, string>;
}

function createTransports(config: GatewayConfig, logger: Logger): Transports {
  const advertiseFamily = isIPv6(config.advertiseAddress.host) ? 6 : 4;
  const udp = config.mqttsnUdp.map((spec) =>
    createUdpTransport(
      {
        port: spec.port,
        host: spec.bind,
        ipv6: spec.family === 6,
        // ADVERTISE (§6.1) goes out of the sockets of the advertise_address's family: an IPv4
        // broadcast/multicast address from the IPv4 sockets, an IPv6 multicast group from the IPv6 ones.
        ...(spec.family === advertiseFamily
          ? { broadcastAddress: config.advertiseAddress.host, broadcastPort: config.advertiseAddress.port }
          : {}),
      },
      logger,
    ),
  );
  const clientIdByTransport = new Map<DatagramTransport, string>();
  const serial = config.serial.map((line) => {
    const transport = createSerialTransport(
      { path: line.device, baudRate: line.baudRate, framing: line.framing },
      logger,
    );
    if (line.clientId !== undefined && line.clientId !== '')
      clientIdByTransport.set(transport, line.clientId);
    return transport;
  });
  return { udp, serial, all: [...udp, ...serial], clientIdByTransport };
}

export async function startMqttSn(
  config: GatewayConfig,
  broker: BrokerApi,
  store: Store | undefined,
  logger: Logger,
  restoredState?: StoredGatewayState[],
  security?: SnSecurityHook,
): Promise<MqttSnSide> {
  const { udp, serial, all, clientIdByTransport } = createTransports(config, logger);
  const options = { ...gatewayOptions(config), clientIdByTransport, ...(security ? { security } : {}) };
  const gateway = await startMqttSnGateway(options, {
    broker,
    transports: all,
    logger,
    ...(store ? { store } : {}),
    // The state the app already loaded: the gateway does not read the store a second time.
    ...(restoredState ? { restoredState } : {}),
  });
  for (const transport of udp) logger.info(`MQTT-SN listening on ${transport.name}.`);
  for (const line of serial) {
    logger.info(
      `MQTT-SN serving ${line.name}${line.isOpen ? '' : ' (device not open yet: retrying with backoff)'}.`,
    );
  }
  return { gateway, udp, serial, transports: all };
}
