import type { QoS } from '../broker/types.js';

/** What a CONNECT presents to the authentication hook (src/security's Authenticate fits it). */
export interface MqttAuthenticationRequest {
  clientId: string;
  username?: string;
  password?: Buffer;
  /** CN of a verified client certificate (TLS listeners pass it in the options). */
  certificateIdentity?: string;
  peer: string;
}

export type MqttAuthenticationResult =
  | { ok: true; username?: string }
  | { ok: false; reason: number; why: string };

/** Settings of the MQTT front end (one set per listener, from gateway.conf). */
export interface MqttFrontEndOptions {
  /** Largest packet accepted from a client, fixed header included (v5 Maximum Packet Size). */
  maxPacketSize: number;
  /** v5 server keep-alive, seconds: overrides the client's keep-alive and is sent in CONNACK. */
  serverKeepAlive?: number;
  /** Inbound QoS>0 PUBLISHes a client may have unacknowledged (v5 Receive Maximum we announce). */
  receiveMaximum: number;
  /** Highest inbound topic alias a v5 client may use (0 = aliases off). */
  topicAliasMaximum: number;
  /** A socket that has not sent CONNECT after this long is closed. */
  connectTimeoutMs: number;
  /** Retained messages enabled (v5 Retain Available). */
  retainAvailable: boolean;
  /** Highest QoS accepted from clients (v5 Maximum QoS). */
  maximumQos: QoS;
  /**
   * Outgoing QoS>0 deliveries in flight for a 3.1/3.1.1 client, which has no Receive Maximum
   * (mosquitto's max_inflight_messages, default 20).
   */
  maxInflightMessages?: number;
  /**
   * Bytes waiting in a socket's write buffer above which QoS 0 deliveries to that client are
   * dropped (and counted), so a slow subscriber cannot grow memory without bound.
   */
  maxWriteBuffer?: number;
  /**
   * Decides whether a CONNECT may proceed (allow_anonymous, password file …); a refusal becomes
   * CONNACK 0x86/0x87 (3.1.1: 4/5). Absent = everyone may connect. The username it returns
   * (e.g. a certificate's CN) is the one the broker sees.
   */
  authenticate?: (request: MqttAuthenticationRequest) => MqttAuthenticationResult;
  /** Per connection: the verified client certificate's CN, set by a TLS listener. */
  certificateIdentity?: string;
}

export const defaultMqttFrontEndOptions: MqttFrontEndOptions = {
  maxPacketSize: 268_435_460, // the protocol's own maximum: 4-byte remaining length + header
  receiveMaximum: 65_535,
  topicAliasMaximum: 10,
  connectTimeoutMs: 10_000,
  retainAvailable: true,
  maximumQos: 2,
  maxInflightMessages: 20,
  maxWriteBuffer: 8 * 1024 * 1024,
};
