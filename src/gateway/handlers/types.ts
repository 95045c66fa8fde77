import type { MqttSnPacket } from '../../codec/mqttsn/index.js';
import type { SnClient } from '../client.js';
import type { GatewayContext } from '../context.js';
import type { Endpoint } from '../forwarder.js';

/** One received message, with the client its address belongs to (if any). */
export interface Inbound<P extends MqttSnPacket = MqttSnPacket> {
  endpoint: Endpoint;
  client: SnClient | undefined;
  packet: P;
}

export type Handler<P extends MqttSnPacket> = (ctx: GatewayContext, inbound: Inbound<P>) => void;

/** The inbound message of a client that has a session attached (active or awake). */
export interface ConnectedInbound<P extends MqttSnPacket> extends Inbound<P> {
  client: SnClient;
}
