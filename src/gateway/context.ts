/**
 * Everything the gateway's modules share: settings, the core, the client registry, counters, and
 * the one function that puts a packet on the wire (size limits, forwarder wrapping, `-v` trace).
 */
import type { BrokerApi } from '../broker/types.js';
import { describe, encode, type MqttSnPacket, tryEncode } from '../codec/mqttsn/index.js';
import type { PredefinedTopicTable } from '../config/predefined-topics.js';
import type { Logger } from '../observe/logger.js';
import type { Store } from '../store/types.js';
import type { ClientRegistry } from './client-registry.js';
import { type Endpoint, nodeIdBytes } from './forwarder.js';
import type { GatewayOptions, GatewayStats } from './options.js';

export interface GatewayContext {
  readonly options: GatewayOptions;
  readonly broker: BrokerApi;
  readonly logger: Logger;
  readonly store: Store | undefined;
  readonly now: () => number;
  readonly clients: ClientRegistry;
  readonly predefined: PredefinedTopicTable;
  readonly stats: GatewayStats;
  /** Set by close(): links and timers stop acting. */
  closing: boolean;
  /** Inbound QoS 1/2 PUBLISHes handed to the core and not yet durable (options.maxPendingPublishes). */
  pendingPublishes: number;
}

/** Octets of the encapsulation header in front of a message for a node behind a forwarder (§5.5). */
export function encapsulationOverhead(endpoint: Endpoint): number {
  return endpoint.nodeHex === undefined ? 0 : 3 + endpoint.nodeHex.length / 2;
}

/** Largest MQTT-SN message (not counting a forwarder's wrapping) that may go to `endpoint`. */
export function messageLimit(ctx: GatewayContext, endpoint: Endpoint): number {
  return Math.min(ctx.options.maxMessageSize, endpoint.peer.transport.mtu - encapsulationOverhead(endpoint));
}

/**
 * Encode and send one packet. A message that does not fit the transport's mtu or maxMessageSize
 * is not sent: it is counted and logged (DESIGN.md "Lengths"). Returns whether it was sent.
 */
export function send(ctx: GatewayContext, endpoint: Endpoint, packet: MqttSnPacket): boolean {
  const encoded = tryEncode(packet);
  if (!encoded.ok) {
    ctx.logger.warn(`MQTT-SN ${endpoint.key}: cannot send ${packet.type}: ${encoded.error.message}`);
    return false;
  }
  const limit = messageLimit(ctx, endpoint);
  if (encoded.data.length > limit) {
    ctx.stats.oversized++;
    ctx.logger.warn(
      `MQTT-SN ${endpoint.key}: ${packet.type} of ${encoded.data.length} octets not sent: the limit is ${limit}`,
    );
    return false;
  }
  let data = encoded.data;
  if (endpoint.nodeHex !== undefined) {
    data = encode({
      type: 'ENCAPSULATED',
      radius: 0,
      wirelessNodeId: nodeIdBytes(endpoint.nodeHex),
      inner: data,
    });
  }
  if (ctx.logger.debugEnabled) ctx.logger.debug(`MQTT-SN ${endpoint.key} <- ${describe(packet)}`);
  ctx.stats.datagramsOut++;
  ctx.broker.metrics.bytesSent += data.length;
  endpoint.peer.transport.send(data, endpoint.peer);
  return true;
}
