/**
 * PUBLISH from a client at QoS −1, 0, 1, 2 (MQTT-SN §6.6, §6.8) and the acks of both directions.
 *
 * - The topic id is resolved in the client's own table (§7.3), its predefined ids, or a short name;
 *   an unknown id gets PUBACK 0x02 "invalid topic id" at any QoS (§6.6 "regardless of the QoS").
 * - QoS 1 / 2 are acknowledged (PUBACK / PUBREC) only from the core's `done` callback, i.e. once
 *   the message and the queue entries it created are durable (DESIGN.md, store).
 * - QoS −1 (§6.8) is accepted from anyone, connected or not, on a predefined id or a short name,
 *   and published at QoS 0; switchable off (options.qosMinus1). Unconnected senders can only use
 *   the global predefined ids (the gateway does not know who they are).
 */
import { type PublishOutcome, ReasonCode } from '../../broker/types.js';
import {
  type PubackPacket,
  type PubcompPacket,
  type PublishPacket,
  type PubrecPacket,
  type PubrelPacket,
  ReturnCode,
  topicIdFieldValue,
} from '../../codec/mqttsn/index.js';
import { printable } from '../../observe/printable.js';
import type { SnClient } from '../client.js';
import { attachedSession } from '../client-state.js';
import { type GatewayContext, send } from '../context.js';
import { NotConnected, SnRejection } from '../errors.js';
import type { Endpoint } from '../forwarder.js';
import { onPuback, onPubcomp, onPubrec } from '../outbound.js';
import type { ConnectedInbound, Inbound } from './types.js';

/** The topic name a PUBLISH addresses, for `clientId` (undefined: an unconnected QoS −1 sender). */
function topicName(
  ctx: GatewayContext,
  client: SnClient | undefined,
  packet: PublishPacket,
): string | undefined {
  const topic = packet.topic;
  if (topic.type === 'short') return topic.name;
  if (topic.type === 'predefined') return ctx.predefined.topicName(client?.clientId, topic.id);
  return client?.topics.nameOf(topic.id);
}

/** Outcome of the core → MQTT-SN return code. */
export function returnCodeOf(reason: ReasonCode): ReturnCode {
  if (reason === ReasonCode.Success || reason === ReasonCode.NoMatchingSubscribers)
    return ReturnCode.ACCEPTED;
  if (reason === ReasonCode.QuotaExceeded || reason === ReasonCode.ServerBusy) return ReturnCode.CONGESTION;
  // The store could not make it durable: not taken, "try again later" (§6.6: wait T_WAIT).
  if (reason === ReasonCode.UnspecifiedError) return ReturnCode.CONGESTION;
  if (reason === ReasonCode.TopicNameInvalid) return ReturnCode.INVALID_TOPIC_ID;
  return ReturnCode.NOT_SUPPORTED;
}

export function handlePublish(ctx: GatewayContext, inbound: Inbound<PublishPacket>): void {
  const { packet, endpoint } = inbound;
  const client = inbound.client;
  const session = client === undefined ? undefined : attachedSession(client.state);
  if (packet.qos === -1) {
    publishQosMinus1(ctx, endpoint, session === undefined ? undefined : client, packet);
    return;
  }
  if (client === undefined || session === undefined) throw new NotConnected(`PUBLISH QoS ${packet.qos}`);
  const topic = topicName(ctx, client, packet);
  if (topic === undefined) {
    throw new SnRejection(
      ReturnCode.INVALID_TOPIC_ID,
      `PUBLISH to unknown ${packet.topic.type} topic id ${topicIdFieldValue(packet.topic)}`,
    );
  }
  const message = { topic, payload: packet.payload, qos: packet.qos, retain: packet.retain, dup: packet.dup };
  if (packet.qos === 0) {
    session.publish(message);
    return;
  }
  const topicId = topicIdFieldValue(packet.topic);
  const msgId = packet.msgId;
  refuseWhenCongested(ctx);
  ctx.pendingPublishes++;
  session.publish({ ...message, packetId: msgId }, (outcome: PublishOutcome) => {
    ctx.pendingPublishes--;
    const returnCode = returnCodeOf(outcome.reason);
    if (returnCode === ReturnCode.CONGESTION) ctx.stats.congestion++;
    if (returnCode !== ReturnCode.ACCEPTED) {
      ctx.logger.info(
        `MQTT-SN ${printable(client.clientId)} (${endpoint.key}): PUBLISH to ${printable(topic)} refused: reason 0x${outcome.reason.toString(16)}`,
      );
    }
    if (packet.qos === 2 && returnCode === ReturnCode.ACCEPTED)
      send(ctx, endpoint, { type: 'PUBREC', msgId });
    else send(ctx, endpoint, { type: 'PUBACK', topicId, msgId, returnCode });
  });
}

/**
 * PUBACK 0x01 "rejected: congestion" (§5.4.13, §6.6) when maxPendingPublishes QoS 1/2 PUBLISHes
 * already wait for the store: the gateway takes no more than it can make durable, and the client
 * retries after T_WAIT instead of the gateway's memory growing without bound.
 */
function refuseWhenCongested(ctx: GatewayContext): void {
  if (ctx.pendingPublishes < ctx.options.maxPendingPublishes) return;
  ctx.stats.congestion++;
  throw new SnRejection(
    ReturnCode.CONGESTION,
    `${ctx.pendingPublishes} PUBLISHes already wait for the store (maxPendingPublishes)`,
  );
}

function publishQosMinus1(
  ctx: GatewayContext,
  endpoint: Endpoint,
  client: SnClient | undefined,
  packet: PublishPacket,
): void {
  const who = client === undefined ? endpoint.key : `${printable(client.clientId)} (${endpoint.key})`;
  if (!ctx.options.qosMinus1) {
    ctx.stats.qosMinus1Dropped++;
    ctx.logger.info(`MQTT-SN ${who}: PUBLISH QoS -1 ignored: QoS -1 is switched off`);
    return;
  }
  const topic = packet.topic.type === 'normal' ? undefined : topicName(ctx, client, packet);
  if (topic === undefined) {
    ctx.stats.qosMinus1Dropped++;
    ctx.logger.info(
      `MQTT-SN ${who}: PUBLISH QoS -1 ignored: ${packet.topic.type} topic id ${topicIdFieldValue(packet.topic)} is not a predefined id or short name (MQTT-SN §6.8)`,
    );
    return;
  }
  if (client === undefined && ctx.options.security !== undefined) {
    const admission = ctx.options.security.admitQosMinus1(endpoint.key, topic);
    if (!admission.ok) {
      ctx.stats.qosMinus1Dropped++;
      ctx.logger.info(`MQTT-SN ${who}: PUBLISH QoS -1 to ${printable(topic)} refused: ${admission.why}`);
      return;
    }
  }
  ctx.stats.qosMinus1Published++;
  const message = { topic, payload: packet.payload, qos: 0 as const, retain: packet.retain };
  const session = client === undefined ? undefined : attachedSession(client.state);
  if (session !== undefined) session.publish(message);
  else ctx.broker.publish(message);
}

export function handlePubrel(
  ctx: GatewayContext,
  { endpoint, client, packet }: ConnectedInbound<PubrelPacket>,
): void {
  const session = attachedSession(client.state);
  if (session === undefined) throw new NotConnected('PUBREL');
  const msgId = packet.msgId;
  session.pubrel(msgId, () => send(ctx, endpoint, { type: 'PUBCOMP', msgId }));
}

export function handlePuback(ctx: GatewayContext, { client, packet }: ConnectedInbound<PubackPacket>): void {
  onPuback(ctx, client, packet);
}

export function handlePubrec(ctx: GatewayContext, { client, packet }: ConnectedInbound<PubrecPacket>): void {
  onPubrec(ctx, client, packet);
}

export function handlePubcomp(
  ctx: GatewayContext,
  { client, packet }: ConnectedInbound<PubcompPacket>,
): void {
  onPubcomp(ctx, client, packet);
}
