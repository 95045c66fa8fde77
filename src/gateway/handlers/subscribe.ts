/**
 * SUBSCRIBE / UNSUBSCRIBE by topic name (wildcards allowed), predefined id or short name (§6.9).
 *
 * SUBACK's TopicId: the client's id for a plain topic name (allocated now, so the first PUBLISH
 * needs no REGISTER), the id itself for a predefined id, 0x0000 for a wildcard filter (§6.9: the
 * gateway REGISTERs each matching topic before its first PUBLISH, outbound.ts) and for a short
 * name (§5.4.16). A full topic table → SUBACK 0x01; an unknown predefined id → 0x02.
 */
import { ReasonCode } from '../../broker/types.js';
import {
  type QoSLevel,
  ReturnCode,
  type SubscribePacket,
  type SubscribeTopic,
  type UnsubscribePacket,
} from '../../codec/mqttsn/index.js';
import { printable } from '../../observe/printable.js';
import type { SnClient } from '../client.js';
import { attachedSession } from '../client-state.js';
import { type GatewayContext, send } from '../context.js';
import { NotConnected, SnRejection } from '../errors.js';
import { saveClientState } from '../gateway-state.js';
import { hasWildcard } from '../topic-registry.js';
import type { ConnectedInbound } from './types.js';

/** The MQTT topic filter a SUBSCRIBE / UNSUBSCRIBE addresses; undefined for an unknown predefined id. */
function filterOf(ctx: GatewayContext, client: SnClient, topic: SubscribeTopic): string | undefined {
  if (topic.type === 'predefined') return ctx.predefined.topicName(client.clientId, topic.id);
  return topic.name;
}

/** The TopicId to answer in SUBACK (see the file comment). */
function subackTopicId(ctx: GatewayContext, client: SnClient, topic: SubscribeTopic, filter: string): number {
  if (topic.type === 'predefined') return topic.id;
  if (topic.type === 'short' || hasWildcard(filter)) return 0;
  const before = client.topics.size;
  const id = client.topics.register(filter);
  if (id === undefined) {
    ctx.stats.congestion++;
    ctx.stats.refusedTopicIds++;
    throw new SnRejection(ReturnCode.CONGESTION, `topic table full (${ctx.options.maxTopicsPerClient} ids)`);
  }
  client.topics.markAnnounced(id);
  if (client.topics.size !== before) saveClientState(ctx, client);
  return id;
}

export function handleSubscribe(
  ctx: GatewayContext,
  { endpoint, client, packet }: ConnectedInbound<SubscribePacket>,
): void {
  const session = attachedSession(client.state);
  if (session === undefined) throw new NotConnected('SUBSCRIBE');
  const filter = filterOf(ctx, client, packet.topic);
  if (filter === undefined) {
    throw new SnRejection(
      ReturnCode.INVALID_TOPIC_ID,
      `SUBSCRIBE to unknown predefined topic id ${packet.topic.type === 'predefined' ? packet.topic.id : '?'}`,
    );
  }
  const topicId = subackTopicId(ctx, client, packet.topic, filter);
  const [granted = ReasonCode.UnspecifiedError] = session.subscribe([{ filter, qos: packet.qos }]);
  if (granted >= 0x80) {
    const congested = granted === ReasonCode.QuotaExceeded || granted === ReasonCode.ServerBusy;
    if (congested) ctx.stats.congestion++;
    throw new SnRejection(
      congested ? ReturnCode.CONGESTION : ReturnCode.NOT_SUPPORTED,
      `SUBSCRIBE to ${printable(filter)} refused: reason 0x${granted.toString(16)}`,
    );
  }
  // The SUBACK goes out before the core's retained deliveries (they are scheduled, types.ts "Timing").
  send(ctx, endpoint, {
    type: 'SUBACK',
    qos: granted as QoSLevel,
    topicId,
    msgId: packet.msgId,
    returnCode: ReturnCode.ACCEPTED,
  });
}

export function handleUnsubscribe(
  ctx: GatewayContext,
  { endpoint, client, packet }: ConnectedInbound<UnsubscribePacket>,
): void {
  const session = attachedSession(client.state);
  if (session === undefined) throw new NotConnected('UNSUBSCRIBE');
  const filter = filterOf(ctx, client, packet.topic);
  if (filter !== undefined) session.unsubscribe([filter]);
  // UNSUBACK has no return code (§5.4.18): an unknown filter is acknowledged all the same.
  send(ctx, endpoint, { type: 'UNSUBACK', msgId: packet.msgId });
}
