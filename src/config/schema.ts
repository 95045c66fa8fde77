/**
 * Every key of gateway.conf, declared once: name, aliases, type, default, documentation.
 * Names and defaults follow mosquitto.conf where mosquitto has the setting; the MQTT-SN keys also
 * answer to the Paho MQTT-SN gateway's names (research/mqtt-sn-landscape.md §5).
 * The ConfigSchema type makes the compiler check that every field of GatewayConfigValues has exactly
 * one key, of the field's type.
 */
import type { QoS } from '../broker/types.js';
import type { LogLevel } from '../observe/logger.js';
import type { SyncLevel } from '../store/types.js';
import { type KeyDef, list, mosquitto, optional, paho, required } from './key-def.js';
import { hostPort, listenerSpec, serialLineSpec, udpListenerSpec } from './spec-types.js';
import type { GatewayConfigValues, TlsVersion } from './types.js';
import { boolean, decimal, durationOrNone, integer, oneOf, path } from './value-types.js';

const INT_MAX = 2_147_483_647;
/** Longest period a Node timer takes (2^31 − 1 ms); a longer one fires every millisecond instead. */
const MAX_TIMER_SECONDS = Math.floor(INT_MAX / 1000);

type AllFields = keyof GatewayConfigValues & string;
export type ConfigSchema = { [K in AllFields]: KeyDef<GatewayConfigValues[K]> };

export const schema: ConfigSchema = {
  // ── logging ──────────────────────────────────────────────────────────────────────────────────
  logLevel: required({
    name: 'log_level',
    section: 'logging',
    type: oneOf<LogLevel>(['error', 'warn', 'info', 'debug']),
    default: 'info',
    doc: 'Least severe messages logged; debug traces every packet in and out (like mosquitto -v).',
  }),
  sysInterval: required({
    name: 'sys_interval',
    section: 'logging',
    type: integer(0, MAX_TIMER_SECONDS, '0 = off'),
    default: '10',
    doc: 'Seconds between updates of the $SYS/broker/... statistics topics; 0 turns them off.',
  }),

  // ── MQTT listeners and TLS ───────────────────────────────────────────────────────────────────
  listeners: list({
    name: 'listener',
    section: 'listeners',
    type: listenerSpec,
    defaults: ['1883'],
    aliases: [mosquitto('port')],
    doc: 'Plain MQTT over TCP: PORT [BIND_ADDRESS]; repeat for more; without an address, every address.',
  }),
  tlsListeners: list({
    name: 'tls_listener',
    section: 'listeners',
    type: listenerSpec,
    defaults: [],
    doc: 'MQTT over TLS (8883 by convention): PORT [BIND_ADDRESS]; needs certfile and keyfile.',
  }),
  wsListeners: list({
    name: 'ws_listener',
    section: 'listeners',
    type: listenerSpec,
    defaults: [],
    doc: 'MQTT over WebSockets, for browser clients: PORT [BIND_ADDRESS].',
  }),
  wssListeners: list({
    name: 'wss_listener',
    section: 'listeners',
    type: listenerSpec,
    defaults: [],
    doc: 'MQTT over secure WebSockets: PORT [BIND_ADDRESS]; needs certfile and keyfile.',
  }),
  certfile: optional({
    name: 'certfile',
    section: 'listeners',
    type: path('file'),
    doc: 'PEM certificate (chain) of this server, for tls_listener and wss_listener.',
  }),
  keyfile: optional({
    name: 'keyfile',
    section: 'listeners',
    type: path('file'),
    doc: 'PEM private key matching certfile.',
  }),
  cafile: optional({
    name: 'cafile',
    section: 'listeners',
    type: path('file'),
    doc: 'PEM CA certificates that client certificates must chain to (with require_certificate).',
  }),
  requireCertificate: required({
    name: 'require_certificate',
    section: 'listeners',
    type: boolean,
    default: 'false',
    doc: 'TLS clients must present a certificate signed by cafile.',
  }),
  useIdentityAsUsername: required({
    name: 'use_identity_as_username',
    section: 'listeners',
    type: boolean,
    default: 'false',
    doc: "The client certificate's Common Name becomes the username (for the ACL); no password needed.",
  }),
  tlsVersion: required({
    name: 'tls_version',
    section: 'listeners',
    type: oneOf<TlsVersion>(['tlsv1.2', 'tlsv1.3']),
    default: 'tlsv1.2',
    doc: 'Oldest TLS version accepted; older versions are never offered.',
  }),

  // ── broker ───────────────────────────────────────────────────────────────────────────────────
  maxQueuedMessages: required({
    name: 'max_queued_messages',
    section: 'broker',
    type: integer(0, 1_000_000, '0 = unlimited'),
    default: '1000',
    doc: 'Messages queued per offline persistent session beyond those in flight; 0 = unlimited (as mosquitto).',
  }),
  maxInflightMessages: required({
    name: 'max_inflight_messages',
    section: 'broker',
    type: integer(0, 65_535, '0 = unlimited'),
    default: '20',
    doc: 'QoS 1 and 2 messages sent to one MQTT client and not yet acknowledged; 0 = unlimited.',
  }),
  queueQos0Messages: required({
    name: 'queue_qos0_messages',
    section: 'broker',
    type: boolean,
    default: 'false',
    doc: 'Also queue QoS 0 messages for offline persistent sessions (mosquitto does not by default).',
  }),
  retainAvailable: required({
    name: 'retain_available',
    section: 'broker',
    type: boolean,
    default: 'true',
    doc: 'Retained messages supported; when false, MQTT 5 CONNACK says so and retained publishes are refused.',
  }),
  maximumQos: required({
    name: 'max_qos',
    section: 'broker',
    type: oneOf<QoS>([0, 1, 2]),
    default: '2',
    doc: 'Highest QoS granted to subscriptions and accepted on PUBLISH (MQTT 5 Maximum QoS).',
  }),
  maxPacketSize: required({
    name: 'max_packet_size',
    section: 'broker',
    type: integer(20, 268_435_455),
    default: '268435455',
    doc: 'Largest MQTT packet accepted, in bytes; larger ones close the connection (MQTT 5: reason 0x95).',
  }),
  maxKeepalive: required({
    name: 'max_keepalive',
    section: 'broker',
    type: integer(0, 65_535),
    default: '65535',
    doc: 'Longest keep-alive allowed, seconds; MQTT 5 clients asking for more get this as Server Keep Alive.',
  }),
  persistentClientExpiration: required({
    name: 'persistent_client_expiration',
    section: 'broker',
    type: durationOrNone,
    default: 'none',
    doc: 'Remove persistent sessions disconnected for longer than this (e.g. 14d; units s h d w m y); none = never.',
  }),
  topicAliasMaximum: required({
    name: 'topic_alias_maximum',
    section: 'broker',
    type: integer(0, 65_535),
    default: '10',
    aliases: [mosquitto('max_topic_alias')],
    doc: 'MQTT 5 topic aliases a client may use towards the broker (Topic Alias Maximum in CONNACK).',
  }),
  receiveMaximum: required({
    name: 'receive_maximum',
    section: 'broker',
    type: integer(1, 65_535),
    default: '65535',
    doc: 'MQTT 5 Receive Maximum sent in CONNACK: QoS 1/2 publishes a client may have unacknowledged.',
  }),

  // ── persistence ──────────────────────────────────────────────────────────────────────────────
  persistence: required({
    name: 'persistence',
    section: 'persistence',
    type: boolean,
    default: 'true',
    doc: 'Keep sessions, subscriptions, retained and queued messages on disk across restarts.',
  }),
  persistenceLocation: required({
    name: 'persistence_location',
    section: 'persistence',
    type: path('no'),
    default: './data',
    doc: 'Data directory (created when missing), relative to this file; holds mqttsn-gateway.db.',
  }),
  persistenceSync: required({
    name: 'persistence_sync',
    section: 'persistence',
    type: oneOf<SyncLevel>(['normal', 'full']),
    default: 'normal',
    doc: 'normal: acknowledged data survives a crash of the process; full: it also survives a power loss.',
  }),

  // ── security and limits ──────────────────────────────────────────────────────────────────────
  allowAnonymous: required({
    name: 'allow_anonymous',
    section: 'security',
    type: boolean,
    default: 'true',
    doc: 'MQTT clients without a username may connect.',
  }),
  passwordFile: optional({
    name: 'password_file',
    section: 'security',
    type: path('file'),
    doc: 'Users and password hashes in mosquitto_passwd format.',
  }),
  aclFile: optional({
    name: 'acl_file',
    section: 'security',
    type: path('file'),
    doc: "Access control list in mosquitto's acl_file format (user, topic, pattern with %c and %u).",
  }),
  mqttsnAdmissionFile: optional({
    name: 'mqttsn_admission_file',
    section: 'security',
    type: path('file'),
    doc: 'MQTT-SN clients allowed to connect (client ids, addresses, usernames); unset = all.',
  }),
  maxConnections: required({
    name: 'max_connections',
    section: 'security',
    type: integer(-1, INT_MAX, '-1 = unlimited'),
    default: '-1',
    doc: 'Simultaneous MQTT connections over all listeners; -1 = unlimited.',
  }),
  maxConnectionsPerAddress: required({
    name: 'max_connections_per_address',
    section: 'security',
    type: integer(-1, INT_MAX, '-1 = unlimited'),
    default: '-1',
    doc: 'Simultaneous MQTT connections from one IP address; -1 = unlimited.',
  }),
  connectionRate: required({
    name: 'connection_rate',
    section: 'security',
    type: integer(0, INT_MAX, '0 = unlimited'),
    default: '0',
    doc: 'New connections per second accepted from one IP address; 0 = unlimited.',
  }),
  connectTimeout: required({
    name: 'connect_timeout',
    section: 'security',
    type: integer(0, 86_400, '0 = never'),
    default: '10',
    doc: 'Seconds a new socket may stay without sending CONNECT before it is closed; 0 = never.',
  }),
  maxTopicLength: required({
    name: 'max_topic_length',
    section: 'security',
    type: integer(1, 65_535),
    default: '65535',
    doc: 'Longest topic name or filter accepted, in UTF-8 bytes.',
  }),
  maxTopicLevels: required({
    name: 'max_topic_levels',
    section: 'security',
    type: integer(0, 65_535, '0 = unlimited'),
    default: '0',
    doc: 'Most levels (parts between /) in a topic name or filter; 0 = unlimited.',
  }),
  maxSubscriptionsPerClient: required({
    name: 'max_subscriptions_per_client',
    section: 'security',
    type: integer(0, INT_MAX, '0 = unlimited'),
    default: '0',
    doc: 'Most subscriptions one client (MQTT or MQTT-SN) may hold; 0 = unlimited.',
  }),

  // ── MQTT-SN ──────────────────────────────────────────────────────────────────────────────────
  mqttsnUdp: list({
    name: 'mqttsn_udp',
    section: 'mqtt-sn',
    type: udpListenerSpec,
    defaults: ['1883'],
    aliases: [
      paho('GatewayPortNo'),
      paho('GatewayIPv6PortNo', (raw) => `${raw} ::`),
      paho('GatewayUDP6Port', (raw) => `${raw} ::`),
    ],
    doc: 'MQTT-SN over UDP: PORT [BIND_ADDRESS]; without an address, both 0.0.0.0 and ::; repeatable.',
  }),
  gatewayId: required({
    name: 'gateway_id',
    section: 'mqtt-sn',
    type: integer(1, 255),
    default: '1',
    aliases: [paho('GatewayID')],
    doc: 'GwId sent in ADVERTISE and GWINFO (MQTT-SN §5.4.1, §5.4.3).',
  }),
  advertiseInterval: required({
    name: 'advertise_interval',
    section: 'mqtt-sn',
    type: integer(0, 65_535, '0 = off'),
    default: '900',
    aliases: [paho('KeepAlive')],
    doc: 'Seconds between ADVERTISE broadcasts, also their Duration field (MQTT-SN §6.1, T_ADV); 0 = off.',
  }),
  advertiseAddress: required({
    name: 'advertise_address',
    section: 'mqtt-sn',
    type: hostPort,
    default: '255.255.255.255:1883',
    aliases: [paho('MulticastIP')],
    doc: 'Broadcast or multicast ADDRESS[:PORT] that ADVERTISE and broadcast GWINFO go to (port 1883 if omitted).',
  }),
  predefinedTopics: optional({
    name: 'predefined_topics',
    section: 'mqtt-sn',
    type: path('file'),
    aliases: [paho('PredefinedTopicList')],
    doc: "Predefined topic ids file: 'ClientId|*, TopicName, TopicId' per line, as Paho's predefinedTopic.conf.",
  }),
  qosMinus1: required({
    name: 'qos_minus1',
    section: 'mqtt-sn',
    type: boolean,
    default: 'true',
    aliases: [paho('QoS-1')],
    doc: 'Accept QoS -1 publishes from unconnected senders on predefined ids and short names (MQTT-SN §6.8).',
  }),
  tRetry: required({
    name: 't_retry',
    section: 'mqtt-sn',
    type: decimal(0.01, 3_600),
    default: '10',
    doc: 'Seconds before the gateway resends an unacknowledged message to a client (MQTT-SN §6.13, T_retry).',
  }),
  nRetry: required({
    name: 'n_retry',
    section: 'mqtt-sn',
    type: integer(0, 100),
    default: '5',
    doc: 'Resends before the client is declared lost and its will published (MQTT-SN §6.13, N_retry).',
  }),
  mqttsnMaxClients: required({
    name: 'mqttsn_max_clients',
    section: 'mqtt-sn',
    type: integer(1, 100_000_000),
    default: '100000',
    aliases: [paho('MaxNumberOfClients')],
    doc: 'MQTT-SN clients known at once; beyond it CONNECT gets return code 0x01 (congestion).',
  }),
  mqttsnMaxTopicsPerClient: required({
    name: 'mqttsn_max_topics_per_client',
    section: 'mqtt-sn',
    type: integer(1, 65_534),
    default: '1000',
    doc: 'Topic ids registered per client (MQTT-SN §7.3); beyond it REGISTER/SUBSCRIBE get 0x01 (congestion).',
  }),
  sleepBufferSize: required({
    name: 'sleep_buffer_size',
    section: 'mqtt-sn',
    type: integer(1, 1_000_000),
    default: '1000',
    doc: 'Messages buffered per sleeping client (MQTT-SN §6.14); beyond it the oldest are dropped and counted.',
  }),
  mqttsnMaxMessageSize: required({
    name: 'mqttsn_max_message_size',
    section: 'mqtt-sn',
    type: integer(16, 65_535),
    default: '65535',
    doc: "Largest MQTT-SN message in or out, octets; larger ones are dropped and logged (a line's MTU still applies).",
  }),
  keepaliveTolerance: optional({
    name: 'keepalive_tolerance',
    section: 'mqtt-sn',
    type: decimal(1, 10),
    doc:
      'A client is lost after keep-alive (or sleep duration) times this without a message; ' +
      'unset = MQTT-SN §7.2: +10 % for durations over a minute, +50 % below.',
  }),
  wakeupNewAddress: required({
    name: 'wakeup_new_address',
    section: 'mqtt-sn',
    type: boolean,
    default: 'true',
    doc: 'A client that wakes or reconnects from a new address (NAT, NB-IoT) keeps its session.',
  }),
  mqttsnMaxInflight: required({
    name: 'mqttsn_max_inflight',
    section: 'mqtt-sn',
    type: integer(1, 65_535),
    default: '1',
    // Not Paho's MaxInflightMsgs: that is the window towards its external broker (foreign-keys.ts).
    doc: 'QoS 1/2 messages in flight to one MQTT-SN client; only 1 is supported (MQTT-SN §6.5, §6.6).',
  }),

  // ── serial lines ─────────────────────────────────────────────────────────────────────────────
  serial: list({
    name: 'serial',
    section: 'serial',
    type: serialLineSpec,
    defaults: [],
    doc: 'MQTT-SN on a serial line: DEVICE [baud=115200] [framing=raw|xbee-api1|xbee-api2] [client=ID].',
  }),
};

export type ConfigField = keyof GatewayConfigValues;

/** The fields in declaration order (the order of gateway.conf). */
export const configFields = Object.keys(schema) as ConfigField[];
