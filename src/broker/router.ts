/**
 * Routing one message: keep it if retained, find the matching subscriptions, and offer it to
 * each session (once with overlaps folded by the tree, or once per subscription for MQTT 5
 * clients) and to one member of each shared group.
 */
import type { BrokerContext } from './context.js';
import { offer } from './session/outgoing.js';
import type { Session } from './session/session.js';
import { pickSharedMember } from './topics/shared.js';
import type { Aggregate } from './topics/subscription-tree.js';
import type { Message, QoS } from './types.js';

function offerTo(ctx: BrokerContext, message: Message, agg: Aggregate<Session> | null, own: boolean): void {
  if (agg === null || !canRead(ctx, agg.owner, message.topic)) return;
  const qos = Math.min(message.qos, agg.qos) as QoS;
  // Retain flag on a normal delivery only with retain-as-published [MQTT-3.3.1-12] / v5 §3.8.3.1.
  offer(ctx, agg.owner, message, qos, agg.retainAsPublished && message.retain, agg.subscriptionIds, own);
}

export function canRead(ctx: BrokerContext, session: Session, topic: string): boolean {
  const auth = ctx.options.authorizer;
  return auth === undefined || auth.canRead(session.clientId, session.username, topic);
}

/** Store, replace or clear the retained message of the topic (empty payload clears, [MQTT-3.3.1-6]). */
export function retain(ctx: BrokerContext, message: Message): void {
  // Keep a clean Message: an InboundPublish also carries packetId/dup, which mean nothing later.
  const { topic, payload, qos, properties, expiresAt } = message;
  const clean: Message = { topic, payload, qos, retain: true };
  if (properties) clean.properties = properties;
  if (expiresAt !== undefined) clean.expiresAt = expiresAt;
  const kept = ctx.retained.set(clean);
  ctx.persist.retained(topic, kept);
}

/**
 * Offer `message` to every matching subscriber. `publisher` is the session that sent it, if any
 * (no local, and deferral of deliveries to its own link). Returns whether any subscription
 * matched — also one skipped by no local or by a read ACL, as mosquitto counts it for the v5
 * PUBACK 0x10 No matching subscribers (subs.c subs__send returns success for those).
 */
export function route(ctx: BrokerContext, message: Message, publisher: Session | undefined): boolean {
  const result = ctx.tree.match(message.topic);
  const normal = result.normal;
  for (let i = 0; i < normal.length; i++) {
    const candidate = normal[i]!;
    const own = candidate.owner === publisher;
    if (candidate.parts !== undefined && candidate.owner.copyPerSubscription) {
      // MQTT 5 client with overlapping subscriptions: one copy per subscription, each with its
      // own QoS, identifier and options, in mosquitto's order [MQTT-3.3.4-5].
      for (const part of candidate.parts) offerTo(ctx, message, own ? part.local : part, own);
      continue;
    }
    offerTo(ctx, message, own ? candidate.local : candidate, own);
  }
  for (const group of result.shared) {
    const member = pickSharedMember(group);
    if (!member || !canRead(ctx, member.owner, message.topic)) continue;
    const o = member.options;
    const qos = Math.min(message.qos, o.qos) as QoS;
    const ids = o.subscriptionId === undefined ? undefined : [o.subscriptionId];
    offer(
      ctx,
      member.owner,
      message,
      qos,
      o.retainAsPublished === true && message.retain,
      ids,
      member.owner === publisher,
    );
  }
  return normal.length > 0 || result.shared.length > 0;
}
