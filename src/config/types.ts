/**
 * The typed result of reading gateway.conf. One field per key of the schema (src/config/schema.ts),
 * named in camelCase after the key (`max_queued_messages` → `maxQueuedMessages`); broker fields
 * carry the same names as BrokerOptions so the app can hand them over as they are.
 */
import type { QoS } from '../broker/types.js';
import type { LogLevel } from '../observe/logger.js';
import type { SyncLevel } from '../store/types.js';
import type { PredefinedTopicTable } from './predefined-topics.js';

/** An MQTT listener (`listener`, `tls_listener`, `ws_listener`, `wss_listener`): `PORT [BIND_ADDRESS]`. */
export interface ListenerSpec {
  /** 0 asks the OS for a free port (tests). */
  port: number;
  /** Address or host name to bind; absent = every address, IPv4 and IPv6 (Node's default). */
  bind?: string;
}

/**
 * One UDP socket for MQTT-SN (`mqttsn_udp PORT [BIND]`). `mqttsn_udp 1883` without an address
 * yields two of these, 0.0.0.0 (family 4) and :: (family 6); the IPv6 socket must be opened with
 * `ipv6Only: true` so both can share the port.
 */
export interface UdpListenerSpec {
  port: number;
  bind: string;
  family: 4 | 6;
}

export interface HostPort {
  host: string;
  port: number;
}

export type SerialFraming = 'raw' | 'xbee-api1' | 'xbee-api2';

/** A serial line (`serial DEVICE [baud=N] [framing=F] [client=ID]`). */
export interface SerialLineSpec {
  /** Device path as written (e.g. /dev/ttyUSB0); not resolved against the config folder. */
  device: string;
  baudRate: number;
  framing: SerialFraming;
  /** ClientId of the one device on this line, used when its CONNECT carries an empty ClientId. */
  clientId?: string;
}

export type TlsVersion = 'tlsv1.2' | 'tlsv1.3';

/** Where a setting came from, for errors raised after parsing (e.g. a port already in use). */
export interface ConfigLocation {
  file: string;
  line: number;
}

/** The values of gateway.conf keys. Paths are absolute (resolved against the config file's folder). */
export interface GatewayConfigValues {
  // logging
  logLevel: LogLevel;
  /** Seconds between $SYS publications; 0 = off. */
  sysInterval: number;

  // MQTT listeners and TLS
  listeners: ListenerSpec[];
  tlsListeners: ListenerSpec[];
  wsListeners: ListenerSpec[];
  wssListeners: ListenerSpec[];
  certfile?: string;
  keyfile?: string;
  cafile?: string;
  requireCertificate: boolean;
  useIdentityAsUsername: boolean;
  /** Lowest TLS version accepted. */
  tlsVersion: TlsVersion;

  // broker
  maxQueuedMessages: number;
  maxInflightMessages: number;
  queueQos0Messages: boolean;
  retainAvailable: boolean;
  maximumQos: QoS;
  maxPacketSize: number;
  maxKeepalive: number;
  /** Seconds after which a disconnected persistent session is removed; undefined = never. */
  persistentClientExpiration?: number;
  topicAliasMaximum: number;
  receiveMaximum: number;

  // persistence
  persistence: boolean;
  persistenceLocation: string;
  persistenceSync: SyncLevel;

  // security and limits (-1 or 0 = unlimited, as documented per key)
  allowAnonymous: boolean;
  passwordFile?: string;
  aclFile?: string;
  mqttsnAdmissionFile?: string;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  connectionRate: number;
  connectTimeout: number;
  maxTopicLength: number;
  maxTopicLevels: number;
  maxSubscriptionsPerClient: number;

  // MQTT-SN
  mqttsnUdp: UdpListenerSpec[];
  gatewayId: number;
  /** Seconds between ADVERTISE messages (MQTT-SN §6.1); 0 = off. */
  advertiseInterval: number;
  advertiseAddress: HostPort;
  /** Path of the predefined topics file; its parsed content is `predefinedTopicTable`. */
  predefinedTopics?: string;
  qosMinus1: boolean;
  /** Seconds (MQTT-SN §7.2 T_retry). */
  tRetry: number;
  nRetry: number;
  mqttsnMaxClients: number;
  mqttsnMaxTopicsPerClient: number;
  sleepBufferSize: number;
  mqttsnMaxMessageSize: number;
  /** Unset: MQTT-SN §7.2's rule (+10 % over a minute, +50 % below); set: one factor for all. */
  keepaliveTolerance: number | undefined;
  wakeupNewAddress: boolean;
  mqttsnMaxInflight: number;

  // serial lines
  serial: SerialLineSpec[];
}

export interface GatewayConfig extends GatewayConfigValues {
  /** Absolute path of the file read; undefined when running on the embedded defaults. */
  configFile?: string;
  /** Predefined topic ids (empty when `predefined_topics` is not set). */
  predefinedTopicTable: PredefinedTopicTable;
  /** File and line of every key set in the file, by field name. */
  locations: Partial<Record<keyof GatewayConfigValues, ConfigLocation>>;
  /** Non-fatal notes for the log (e.g. Paho keys that are accepted and ignored). */
  warnings: string[];
}
