/**
 * The broker core's public contract. The core knows nothing about bytes, packets or sockets:
 * the MQTT front end (src/mqtt/) and the MQTT-SN gateway (src/gateway/) are both adapters onto
 * this API, the way EMQX's gateways sit on its broker (DESIGN.md, "Architecture").
 *
 * Reason codes are MQTT 5 reason codes (numbers, see ReasonCode); each front end maps them to its
 * own protocol (MQTT 3.1.1 CONNACK return codes, SUBACK 0x80, MQTT-SN return codes).
 *
 * Timing: the core never calls a link synchronously from inside a call the link made, except
 * where documented (so a front end may write its reply — CONNACK, SUBACK — first and the core's
 * deliveries land after it). Deliveries triggered by a call are scheduled with queueMicrotask.
 */

export type QoS = 0 | 1 | 2;

/** MQTT 5 properties of a PUBLISH that the broker passes through untouched (except expiry). */
export interface PublishProperties {
  payloadFormatIndicator?: boolean;
  /** Seconds, as the publisher sent it. On delivery the core rewrites it to the time remaining. */
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: Record<string, string | string[]>;
}

/** An application message as the broker routes it. Immutable once handed to the core. */
export interface Message {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties?: PublishProperties;
  /** Epoch milliseconds after which the message is no longer delivered (v5 message expiry). */
  expiresAt?: number;
}

export interface Will extends Message {
  /** v5 will delay interval, seconds (0 = publish at once). */
  delayInterval?: number;
}

export type RetainHandling = 0 | 1 | 2;

export interface SubscriptionOptions {
  qos: QoS;
  /** v5 no local: never deliver this client's own publishes back to it. */
  noLocal?: boolean;
  /** v5 retain as published: keep the RETAIN flag on normal deliveries. */
  retainAsPublished?: boolean;
  /** v5 retain handling: 0 send retained on subscribe, 1 only if new subscription, 2 never. */
  retainHandling?: RetainHandling;
  /** v5 subscription identifier (1 .. 268,435,455). */
  subscriptionId?: number;
}

export interface SubscriptionRequest extends SubscriptionOptions {
  /** Topic filter as the client sent it, `$share/group/filter` included. */
  filter: string;
}

/** One PUBLISH the core asks a front end to send to its client. */
export interface Delivery {
  topic: string;
  payload: Buffer;
  /** Effective QoS: min(message QoS, subscription QoS). */
  qos: QoS;
  /** RETAIN flag to send (set for retained messages sent on subscribe, or retain-as-published). */
  retain: boolean;
  /** Set when this is a redelivery of a message the client may have seen (MQTT-3.3.1-1). */
  dup: boolean;
  /** Packet identifier for QoS 1/2, allocated by the core per session; absent for QoS 0. */
  packetId?: number;
  /** Passed-through properties; messageExpiryInterval already set to the time remaining. */
  properties?: PublishProperties;
  /** v5 subscription identifiers of every matching subscription that carried one. */
  subscriptionIds?: number[];
}

/**
 * What a front end gives the core for one connected client. The core calls it to send; the
 * front end encodes and writes. All calls are fire-and-forget.
 */
export interface ClientLink {
  /** Send a PUBLISH. For QoS>0 the session stays in flight until puback/pubrec(+pubcomp). */
  deliver(delivery: Delivery): void;
  /** Send a PUBREL (resuming an outgoing QoS 2 flow that had reached PUBREC, after reconnect). */
  release(packetId: number): void;
  /**
   * The core ends this connection: takeover by a new connection with the same client id
   * (ReasonCode.SessionTakenOver), server shutdown (ServerShuttingDown), administrative close.
   * The front end sends what its protocol allows (v5 DISCONNECT with the reason) and closes.
   * The core has already detached the link; the front end must not call the session afterwards.
   */
  close(reason: ReasonCode): void;
  /**
   * Called when the session has nothing left to send (queue empty, nothing in flight) after it
   * had something. The MQTT-SN gateway uses it to send PINGRESP last to a waking client (§6.14).
   */
  drained?(): void;
}

export interface LinkInfo {
  protocol: 'mqtt' | 'mqtt-sn';
  /** 3 (3.1), 4 (3.1.1), 5; 1 for MQTT-SN v1.2. */
  protocolVersion: number;
  /** Peer address for logs and $SYS, e.g. "127.0.0.1:51234" or "xbee:0013a200…". */
  peer: string;
  username?: string;
  /** Maximum QoS>0 deliveries in flight at once (v5 receive maximum; MQTT-SN: 1, §6.6). */
  receiveMaximum: number;
  /** v5 maximum packet size of the client; a delivery larger than this is dropped (MQTT-3.1.2-25). */
  maximumPacketSize?: number;
  /** A function giving the encoded size of a delivery, used with maximumPacketSize. */
  deliverySize?(delivery: Delivery): number;
}

export interface ConnectRequest {
  clientId: string;
  /** clean session (3.1.1) / clean start (v5) / CleanSession flag (MQTT-SN §6.3). */
  cleanStart: boolean;
  /**
   * Session expiry, seconds after the connection ends. 3.1.1: cleanSession ? 0 : 0xFFFFFFFF.
   * 0xFFFFFFFF = never expires.
   */
  sessionExpiry: number;
  will?: Will;
  /** Queue QoS 0 messages while offline (MQTT-SN sleeping clients, or broker config). */
  queueQos0?: boolean;
  /**
   * This session's queue bound, used instead of BrokerOptions.maxQueuedMessages (0 = unbounded):
   * the MQTT-SN sleep buffer (§6.14). When full, the oldest queued QoS 0 message goes first, then
   * the oldest queued message (never one in flight): a sleeping sensor wants the newest ones.
   * Each drop counts like the global bound's (metrics.publishDropped, 'messageDropped' with
   * reason 'queue-full'). Kept for the session until the next connect changes it. (Additive.)
   */
  maxQueued?: number;
  link: ClientLink;
  info: LinkInfo;
}

export type ConnectResult =
  | { ok: true; session: SessionHandle; sessionPresent: boolean }
  | { ok: false; reason: ReasonCode };

/** An inbound PUBLISH from a client. */
export interface InboundPublish extends Message {
  /** Present for QoS 1 and 2. */
  packetId?: number;
  dup?: boolean;
}

/**
 * Outcome of an inbound PUBLISH, given to the front end's callback once it may acknowledge.
 * reason: Success (0x00), NoMatchingSubscribers (0x10), NotAuthorized (0x87), QuotaExceeded (0x97),
 * PacketIdentifierInUse ...
 */
export interface PublishOutcome {
  reason: ReasonCode;
}

export interface DisconnectOptions {
  /** Publish the will (connection lost, keep-alive timeout, protocol error, v5 reason 0x04). */
  publishWill: boolean;
  /** v5 DISCONNECT may change the session expiry interval (MQTT-3.14.2-2). */
  sessionExpiry?: number;
}

/**
 * The front end's handle on its client's session while connected. Every method is a no-op once
 * the link is detached (after disconnect(), or after the core called link.close()).
 */
export interface SessionHandle {
  readonly clientId: string;
  /**
   * Route an inbound PUBLISH. QoS 0: routed before return, `done` is optional.
   * QoS 1: `done` fires once the message (and the queue entries it created) are durable; then
   * the front end sends PUBACK. QoS 2: `done` fires when durable; the front end sends PUBREC.
   * A QoS 2 PUBLISH whose packetId is already awaiting PUBREL is not routed again (no duplicates),
   * and `done` still fires so PUBREC is re-sent.
   */
  publish(msg: InboundPublish, done?: (outcome: PublishOutcome) => void): void;
  /** Inbound PUBREL: releases the packet id; `done` fires when durable, then send PUBCOMP. */
  pubrel(packetId: number, done?: (reason: ReasonCode) => void): void;
  /** Acks of outgoing deliveries. Unknown packet ids are ignored (return false). */
  puback(packetId: number): boolean;
  /**
   * `done` fires once the 'released' state is durable: only then may the front end send PUBREL,
   * or a crash in between would re-send the PUBLISH after PUBREL and deliver twice (MQTT §4.3.3).
   */
  pubrec(packetId: number, done?: (known: boolean) => void): boolean;
  pubcomp(packetId: number): boolean;
  /**
   * Add/replace subscriptions. Returns one code per request, in order: the granted QoS (0, 1, 2)
   * or a failure reason (>= 0x80). Matching retained messages are delivered after this returns.
   */
  subscribe(requests: SubscriptionRequest[]): number[];
  /** Returns Success or NoSubscriptionExisted per filter. */
  unsubscribe(filters: string[]): ReasonCode[];
  /** Replace (or clear) the will — MQTT-SN WILLTOPICUPD / WILLMSGUPD (§6.4). */
  setWill(will: Will | undefined): void;
  /**
   * The connection ended. With publishWill the will is published (after its delay); without,
   * it is discarded. The session then lives on for its expiry interval, queueing messages.
   */
  disconnect(options: DisconnectOptions): void;
  /**
   * Detach the link but keep will and session as they are, queueing everything (QoS 0 too when
   * queueQos0): an MQTT-SN client going to sleep (§6.14). Resume with Broker.resume().
   */
  detach(): void;
  /** Messages queued plus deliveries in flight (for MQTT-SN sleep buffer accounting). */
  pendingCount(): number;
  /** The session's subscriptions (used to rebuild MQTT-SN state and for tests). */
  subscriptions(): SubscriptionRequest[];
}

/** Broker-wide settings, from gateway.conf. */
export interface BrokerOptions {
  /** Maximum messages queued per offline session; the oldest QoS 0 are dropped first. */
  maxQueuedMessages: number;
  /** Maximum QoS>0 messages in flight per session when the client gives no receive maximum. */
  maxInflightMessages: number;
  /** Queue QoS 0 for offline persistent sessions (mosquitto: queue_qos0_messages, default false). */
  queueQos0Messages: boolean;
  /** Retained messages enabled (v5 Retain Available). */
  retainAvailable: boolean;
  /** Maximum QoS granted. */
  maximumQos: QoS;
  /** $SYS publish interval, seconds (0 = off). */
  sysInterval: number;
  /** Version string published in $SYS/broker/version. */
  version: string;
  /** Authorisation hook (security issue); absent = everything allowed. */
  authorizer?: Authorizer;
  /**
   * max_subscriptions_per_client: a SUBSCRIBE adding a filter beyond this many gets
   * QuotaExceeded (0x97); replacing an existing filter is allowed. 0 or absent = unlimited.
   * Counted in BrokerMetrics.subscriptionsRefused. (Additive, security issue.)
   */
  maxSubscriptionsPerClient?: number;
  /**
   * persistent_client_expiration, seconds (mosquitto's meaning): a disconnected session ends after
   * at most this long, whatever its own expiry interval (3.1.1 clean session 0 and MQTT-SN
   * CleanSession=0 sessions never expire otherwise). Its armed will goes out then. Absent = no cap.
   * (Additive.)
   */
  persistentClientExpiration?: number;
}

export interface Authorizer {
  canPublish(clientId: string, username: string | undefined, topic: string): boolean;
  canSubscribe(clientId: string, username: string | undefined, filter: string): boolean;
  /** Checked per delivery (mosquitto applies read ACLs at delivery time). */
  canRead(clientId: string, username: string | undefined, topic: string): boolean;
}

/** Events for observability ($SYS, logs, metrics). Read-only; never used to change state. */
export interface BrokerEvents {
  clientConnected: { clientId: string; peer: string; protocol: string };
  clientDisconnected: { clientId: string; peer: string; reason: string };
  messageDropped: { clientId: string; topic: string; reason: 'queue-full' | 'too-large' | 'expired' };
  willPublished: { clientId: string; topic: string };
}

/**
 * Counters for $SYS/broker/... and metrics. The core counts messages; front ends add the bytes
 * they read and write (`broker.metrics.bytesReceived += n`), as mosquitto counts socket bytes.
 */
export interface BrokerMetrics {
  bytesReceived: number;
  bytesSent: number;
  messagesReceived: number;
  messagesSent: number;
  publishDropped: number;
  /** Filters refused for maxSubscriptionsPerClient; absent until the first. (Additive.) */
  subscriptionsRefused?: number;
}

export interface BrokerDeps {
  logger: import('../observe/logger.js').Logger;
  /** Persistence; absent = memory only, nothing survives a restart. */
  store?: import('../store/types.js').Store;
  /** Clock, epoch ms (tests may drive it). */
  now?: () => number;
  /**
   * What `store.load()` already returned, so the application reads the store once and hands the
   * same state to the core and to the MQTT-SN gateway (`gatewayState`). Absent = the core calls
   * `store.load()` itself. Used only with `store`. (Additive.)
   */
  loaded?: import('../store/types.js').LoadedState;
}

/**
 * How the CLI and tests make a broker: `createBroker(options, deps)` exported by
 * src/broker/index.ts. Missing options take mosquitto's defaults.
 */
export type CreateBroker = (options: Partial<BrokerOptions>, deps: BrokerDeps) => BrokerApi;

/** The broker core's API, as front ends and the CLI use it. */
export interface BrokerApi {
  readonly metrics: BrokerMetrics;
  /** Number of connected clients (for limits and $SYS). */
  connectedCount(): number;
  connect(request: ConnectRequest): ConnectResult;
  /**
   * Re-attach a link to an existing detached session without touching its will or options
   * (MQTT-SN PINGREQ with ClientId from a sleeping client, §6.14). Queued messages are then
   * delivered through the link; link.drained() is called when none remain.
   * Returns undefined when no session exists for the id. `options.maxQueued` sets the session's
   * queue bound as ConnectRequest.maxQueued does (a session restored from the store has none until
   * its client connects or resumes). (Additive.)
   */
  resume(
    clientId: string,
    link: ClientLink,
    info: LinkInfo,
    options?: { maxQueued?: number },
  ): SessionHandle | undefined;
  /**
   * End a detached session's sleep as lost: publish its will (MQTT-SN sleep timer expiry, §6.14).
   */
  expire(clientId: string, publishWill: boolean): void;
  /** Publish from the broker itself (MQTT-SN QoS -1 senders, $SYS). */
  publish(message: Message): void;
  /** Close every link with ServerShuttingDown and stop timers; sessions are kept (persistence). */
  close(): Promise<void>;
  /**
   * Observe BrokerEvents ($SYS, logs, metrics). Optional so that other BrokerApi implementations
   * (test fakes) need not provide it; createBroker's broker always does. (Additive.)
   */
  on?<K extends keyof BrokerEvents>(event: K, listener: (payload: BrokerEvents[K]) => void): void;
}

/** MQTT 5 reason codes used across the core and front ends. */
export enum ReasonCode {
  Success = 0x00,
  GrantedQos1 = 0x01,
  GrantedQos2 = 0x02,
  DisconnectWithWill = 0x04,
  NoMatchingSubscribers = 0x10,
  NoSubscriptionExisted = 0x11,
  UnspecifiedError = 0x80,
  MalformedPacket = 0x81,
  ProtocolError = 0x82,
  ImplementationSpecificError = 0x83,
  UnsupportedProtocolVersion = 0x84,
  ClientIdentifierNotValid = 0x85,
  BadUserNameOrPassword = 0x86,
  NotAuthorized = 0x87,
  ServerUnavailable = 0x88,
  ServerBusy = 0x89,
  Banned = 0x8a,
  ServerShuttingDown = 0x8b,
  KeepAliveTimeout = 0x8d,
  SessionTakenOver = 0x8e,
  TopicFilterInvalid = 0x8f,
  TopicNameInvalid = 0x90,
  PacketIdentifierInUse = 0x91,
  PacketIdentifierNotFound = 0x92,
  ReceiveMaximumExceeded = 0x93,
  TopicAliasInvalid = 0x94,
  PacketTooLarge = 0x95,
  MessageRateTooHigh = 0x96,
  QuotaExceeded = 0x97,
  PayloadFormatInvalid = 0x99,
  RetainNotSupported = 0x9a,
  QosNotSupported = 0x9b,
  SharedSubscriptionsNotSupported = 0x9e,
  ConnectionRateExceeded = 0x9f,
  SubscriptionIdentifiersNotSupported = 0xa1,
  WildcardSubscriptionsNotSupported = 0xa2,
}
