/**
 * REGISTER from a client (MQTT-SN §6.5): the topic name gets the client's id for it — the same id
 * again if it already has one (also for a predefined name, paho #140) — in the client's own table
 * (§7.3). A full table → REGACK 0x01 congestion (the client may retry after T_WAIT, e.g. after a
 * CleanSession CONNECT); a name with wildcards or an empty one → 0x03 not supported.
 * REGACK from a client answers the gateway's REGISTER (outbound.ts).
 */
import { type RegackPacket, type RegisterPacket, ReturnCode } from '../../codec/mqttsn/index.js';
import { type GatewayContext, send } from '../context.js';
import { SnRejection } from '../errors.js';
import { saveClientState } from '../gateway-state.js';
import { onRegack } from '../outbound.js';
import { isValidTopicName } from '../topic-registry.js';
import type { ConnectedInbound } from './types.js';

export function handleRegister(
  ctx: GatewayContext,
  { endpoint, client, packet }: ConnectedInbound<RegisterPacket>,
): void {
  if (!isValidTopicName(packet.topicName)) {
    throw new SnRejection(
      ReturnCode.NOT_SUPPORTED,
      `REGISTER of ${JSON.stringify(packet.topicName)}: not a topic name`,
    );
  }
  const before = client.topics.size;
  const topicId = client.topics.register(packet.topicName);
  if (topicId === undefined) {
    ctx.stats.congestion++;
    ctx.stats.refusedTopicIds++;
    throw new SnRejection(ReturnCode.CONGESTION, `topic table full (${ctx.options.maxTopicsPerClient} ids)`);
  }
  client.topics.markAnnounced(topicId);
  if (client.topics.size !== before) saveClientState(ctx, client);
  send(ctx, endpoint, { type: 'REGACK', topicId, msgId: packet.msgId, returnCode: ReturnCode.ACCEPTED });
}

export function handleRegack(ctx: GatewayContext, { client, packet }: ConnectedInbound<RegackPacket>): void {
  onRegack(ctx, client, packet);
}
