/**
 * Gateway settings (from gateway.conf; the lead wires them in) and their defaults.
 * Timer defaults follow MQTT-SN §7.2 Table 30 where the spec gives one.
 */
import type { DatagramTransport } from '../transport/types.js';
import { GatewayOptionsError } from './errors.js';

/** Topic id → topic name. */
export type PredefinedTopics = ReadonlyMap<number, string>;

export type SnAdmissionResult = { ok: true; username?: string } | { ok: false; why: string };

/**
 * Admission of MQTT-SN clients (v1.2 has no credentials, §5.4.4), provided by src/security
 * (MqttSnSecurity fits it). The username an admitted client gets is its LinkInfo.username, so the
 * broker's authorizer applies that user's ACL to it.
 */
export interface SnSecurityHook {
  /** A CONNECT, or a client waking up from a new address (§6.14): may `clientId` use `addressKey`? */
  admit(clientId: string, addressKey: string): SnAdmissionResult;
  /** A QoS −1 PUBLISH from an unconnected `addressKey` on `topic` (§6.8). */
  admitQosMinus1(addressKey: string, topic: string): SnAdmissionResult;
}

export interface GatewayOptions {
  /** GwId in ADVERTISE and GWINFO (MQTT-SN §5.4.1), 0..255. */
  gatewayId: number;
  /** Seconds between ADVERTISE broadcasts (MQTT-SN §6.1); 0 = never advertise. */
  advertiseInterval: number;
  /** Seconds before an unacknowledged REGISTER / PUBLISH / PUBREL is re-sent (§6.13); decimals allowed. */
  tRetry: number;
  /** Re-sends before the client is declared lost and its will published (§6.13, §7.2). */
  nRetry: number;
  /** Clients connected (active, asleep or awake) at once; beyond it CONNACK 0x01 congestion. */
  maxClients: number;
  /** Topic ids a client may register; beyond it REGACK / SUBACK 0x01 congestion. */
  maxTopicsPerClient: number;
  /**
   * Messages buffered for a client (§6.14 sleep buffer). The core queues everything while the
   * client sleeps, QoS 0 too, within this bound (ConnectRequest.maxQueued): when full, the oldest
   * QoS 0 message is dropped first, then the oldest; each drop is counted (sleepBufferDropped).
   * The same bound applies to an active client's backlog.
   */
  sleepBufferSize: number;
  /** Largest MQTT-SN message sent or accepted, octets (also capped by each transport's mtu). */
  maxMessageSize: number;
  /**
   * Keep-alive and sleep timers run for duration × this factor. Undefined (the default): MQTT-SN
   * §7.2's rule, "10% higher than the indicated values for durations larger than 1 minute, and 50%
   * higher if less" (toleranceFor in supervision.ts). A number overrides it for every duration.
   */
  keepAliveTolerance: number | undefined;
  /** Accept PUBLISH QoS −1 from unconnected senders (§6.8), published at QoS 0. */
  qosMinus1: boolean;
  /** Route a CONNECT or a PINGREQ-with-ClientId from a new address to the existing client (NAT, NB-IoT). */
  wakeupFromNewAddress: boolean;
  /**
   * REGISTER / QoS≥1 PUBLISH outstanding per client. Only 1 is accepted (validateOptions): the
   * gateway sends one at a time (§6.5, §6.6), and a larger core window would mark messages as
   * sent that never left the gateway (a DUP=1 on their first transmission after a reconnect).
   */
  maxInflight: number;
  /**
   * Inbound QoS 1/2 PUBLISHes (all clients together) waiting for the store to make them durable;
   * beyond it a PUBLISH is answered PUBACK 0x01 congestion (§6.6), and the client retries later.
   */
  maxPendingPublishes: number;
  /** Longest ClientId accepted (§5.3.1 says 1-23; longer ones are common in the field). */
  maxClientIdLength: number;
  /** Predefined topics known to every client (§6.7). */
  predefinedTopics: PredefinedTopics;
  /** Predefined topics of one client, by ClientId; they take precedence over the global ones. */
  clientPredefinedTopics: ReadonlyMap<string, PredefinedTopics>;
  /**
   * ClientId of a CONNECT with an empty ClientId arriving directly (not through a forwarder) on
   * this transport: the one device on a serial line (gateway.conf `serial DEVICE client=ID`).
   */
  clientIdByTransport?: ReadonlyMap<DatagramTransport, string>;
  /** Admission checks; absent = every client admitted, QoS −1 unrestricted. */
  security?: SnSecurityHook;
}

export const DEFAULT_GATEWAY_OPTIONS: GatewayOptions = {
  gatewayId: 1,
  advertiseInterval: 900,
  tRetry: 10,
  nRetry: 3,
  maxClients: 100_000,
  maxTopicsPerClient: 10_000,
  sleepBufferSize: 1000,
  maxMessageSize: 65_535,
  keepAliveTolerance: undefined,
  qosMinus1: true,
  wakeupFromNewAddress: true,
  maxInflight: 1,
  maxPendingPublishes: 10_000,
  maxClientIdLength: 23,
  predefinedTopics: new Map(),
  clientPredefinedTopics: new Map(),
};

export function withDefaults(options: Partial<GatewayOptions>): GatewayOptions {
  const merged: GatewayOptions = { ...DEFAULT_GATEWAY_OPTIONS };
  for (const [key, value] of Object.entries(options) as [keyof GatewayOptions, unknown][]) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/**
 * Refuse settings the gateway cannot honour, with a message that says what to change. A window
 * above 1 is refused rather than ignored: MQTT-SN clients answer one message at a time (§6.5,
 * §6.6: REGISTER, PUBLISH and PUBREL each wait for their answer), so a wider window buys nothing
 * on the air, and the constrained stacks it would serve rarely keep several ids in flight.
 */
export function validateOptions(options: GatewayOptions): void {
  if (options.maxInflight !== 1) {
    throw new GatewayOptionsError(
      `MQTT-SN maxInflight (mqttsn_max_inflight) is ${options.maxInflight}: ` +
        'only 1 is supported, one REGISTER/PUBLISH/PUBREL outstanding per client (MQTT-SN §6.5, §6.6). ' +
        'Remove the setting or set it to 1.',
    );
  }
}

/** Counters for $SYS, metrics and tests. */
export interface GatewayStats {
  /** Clients by §6.14 state. */
  clients: { active: number; asleep: number; awake: number; disconnected: number; lost: number };
  datagramsIn: number;
  datagramsOut: number;
  /** Datagrams that did not decode (each logged with the peer and the codec error). */
  malformed: number;
  /**
   * Messages over the transport's mtu or maxMessageSize: outgoing ones not sent, and incoming
   * datagrams over maxMessageSize dropped (those also in oversizedReceived).
   */
  oversized: number;
  /** Incoming datagrams over maxMessageSize, dropped (a part of `oversized`). */
  oversizedReceived: number;
  /** Re-sends of PUBLISH / REGISTER / PUBREL / WILL*REQ after T_retry (§6.13). */
  retransmissions: number;
  /** Clients declared lost (keep-alive, sleep timer, N_retry exhausted). */
  clientsLost: number;
  /** CONNACK / REGACK / SUBACK / PUBACK 0x01 answers. */
  congestion: number;
  /** CONNACK 0x01 because maxClients were connected (a part of `congestion`). */
  refusedMaxClients: number;
  /** REGACK / SUBACK 0x01 because the client's topic table was full (maxTopicsPerClient; part of `congestion`). */
  refusedTopicIds: number;
  /** Messages from unknown or unconnected senders answered with DISCONNECT (§6.12). */
  unknownSenders: number;
  /** PUBLISH QoS −1 messages published (§6.8). */
  qosMinus1Published: number;
  /** PUBLISH QoS −1 messages refused (switched off, or a normal topic id). */
  qosMinus1Dropped: number;
  /** Messages dropped from a client's buffer beyond sleepBufferSize (§6.14), asleep or at a wake-up. */
  sleepBufferDropped: number;
  /** Deliveries dropped because the client refused the topic or the topic table was full. */
  deliveriesDropped: number;
  /**
   * Link-layer delivery failures reported by a transport (XBee Transmit Status != 0); each one
   * spends one of N_retry of what the client has not answered (§6.13, retransmit.ts retryNow).
   */
  linkDeliveryFailures: number;
}

export function emptyStats(): GatewayStats {
  return {
    clients: { active: 0, asleep: 0, awake: 0, disconnected: 0, lost: 0 },
    datagramsIn: 0,
    datagramsOut: 0,
    malformed: 0,
    oversized: 0,
    oversizedReceived: 0,
    retransmissions: 0,
    clientsLost: 0,
    congestion: 0,
    refusedMaxClients: 0,
    refusedTopicIds: 0,
    unknownSenders: 0,
    qosMinus1Published: 0,
    qosMinus1Dropped: 0,
    sleepBufferDropped: 0,
    deliveriesDropped: 0,
    linkDeliveryFailures: 0,
  };
}
