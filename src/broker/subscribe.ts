/**
 * SUBSCRIBE / UNSUBSCRIBE on a session, and retained messages on subscribe (after SUBACK: they
 * are offered in a microtask, with RETAIN=1 [MQTT-3.3.1-8]), honouring retain handling.
 */
import { type BrokerContext, describePeer } from './context.js';
import { canRead } from './router.js';
import { offer } from './session/outgoing.js';
import type { Session } from './session/session.js';
import { parseFilter } from './topics/validate.js';
import { type Message, type QoS, ReasonCode, type SubscriptionRequest } from './types.js';

interface RetainedWanted {
  filter: string;
  sub: SubscriptionRequest;
}

export function subscribe(ctx: BrokerContext, session: Session, requests: SubscriptionRequest[]): number[] {
  const codes: number[] = [];
  const wanted: RetainedWanted[] = [];
  const auth = ctx.options.authorizer;
  for (const req of requests) {
    const parsed = parseFilter(req.filter);
    if (!parsed.ok) {
      ctx.logger.warn(`Client ${describePeer(session)} SUBSCRIBE "${req.filter}" refused: ${parsed.reason}`);
      codes.push(ReasonCode.TopicFilterInvalid);
      continue;
    }
    if (auth && !auth.canSubscribe(session.clientId, session.username, req.filter)) {
      ctx.logger.warn(`Client ${describePeer(session)} SUBSCRIBE "${req.filter}" refused: not authorized`);
      codes.push(ReasonCode.NotAuthorized);
      continue;
    }
    const qos = Math.min(req.qos, ctx.options.maximumQos) as QoS;
    const existed = session.subscriptionsView.has(req.filter);
    if (!existed && overSubscriptionQuota(ctx, session, req.filter)) {
      codes.push(ReasonCode.QuotaExceeded);
      continue;
    }
    const sub: SubscriptionRequest = { ...req, qos };
    // No local makes no sense on a shared subscription [MQTT-3.8.3-4]; it is ignored there.
    if (parsed.shareGroup !== undefined) sub.noLocal = false;
    session.subscriptions.set(req.filter, sub);
    ctx.tree.add(parsed.filter, parsed.shareGroup, session, sub);
    ctx.persist.subscription(session, sub);
    codes.push(qos);
    // Retained messages are not sent with retain handling 2, nor with 1 when the subscription
    // already existed (§3.8.3.1). They ARE sent to a new shared subscription, as mosquitto 2.0
    // does (checked against 2.0.11, test/differential/08-shared): MQTT 5 §3.3.1.3 only promises
    // them to non-shared subscriptions without forbidding it, and users (e.g. Home Assistant)
    // rely on mosquitto's behaviour.
    const handling = req.retainHandling ?? 0;
    if (handling === 0 || (handling === 1 && !existed)) {
      wanted.push({ filter: parsed.filter, sub });
    }
  }
  if (wanted.length > 0 && ctx.options.retainAvailable) {
    // Chosen now (a message retained after this SUBSCRIBE reaches the client as a normal
    // delivery already), offered after SUBACK.
    const retained = collectRetained(ctx, session, wanted);
    if (retained.length > 0) queueMicrotask(() => offerRetained(ctx, session, retained));
  }
  return codes;
}

/**
 * max_subscriptions_per_client (security issue): a new filter beyond the limit is refused with
 * QuotaExceeded — SUBACK 0x97 on v5, 0x80 on 3.1.1 [MQTT-3.9.3-2], MQTT-SN CONGESTION — logged
 * and counted; replacing an existing filter is always allowed.
 */
function overSubscriptionQuota(ctx: BrokerContext, session: Session, filter: string): boolean {
  const max = ctx.options.maxSubscriptionsPerClient ?? 0;
  if (max <= 0 || session.subscriptions.size < max) return false;
  ctx.metrics.subscriptionsRefused = (ctx.metrics.subscriptionsRefused ?? 0) + 1;
  ctx.logger.warn(
    `Client ${describePeer(session)} SUBSCRIBE "${filter}" refused: max_subscriptions_per_client (${max}) reached`,
  );
  return true;
}

interface RetainedOffer {
  message: Message;
  sub: SubscriptionRequest;
}

function collectRetained(ctx: BrokerContext, session: Session, wanted: RetainedWanted[]): RetainedOffer[] {
  const now = ctx.now();
  const out: RetainedOffer[] = [];
  for (const { filter, sub } of wanted) {
    const messages = ctx.retained.matching(filter, now, (topic) => ctx.persist.retained(topic, undefined));
    for (const message of messages) {
      if (canRead(ctx, session, message.topic)) out.push({ message, sub });
    }
  }
  return out;
}

function offerRetained(ctx: BrokerContext, session: Session, offers: RetainedOffer[]): void {
  if (ctx.sessions.get(session.clientId) !== session) return;
  for (const { message, sub } of offers) {
    const qos = Math.min(message.qos, sub.qos) as QoS;
    const ids = sub.subscriptionId === undefined ? undefined : [sub.subscriptionId];
    offer(ctx, session, message, qos, true, ids, false);
  }
}

export function unsubscribe(ctx: BrokerContext, session: Session, filters: string[]): ReasonCode[] {
  return filters.map((raw) => {
    if (!session.subscriptionsView.has(raw)) return ReasonCode.NoSubscriptionExisted;
    session.subscriptions.delete(raw);
    const parsed = parseFilter(raw);
    if (parsed.ok) ctx.tree.remove(parsed.filter, parsed.shareGroup, session);
    ctx.persist.unsubscription(session, raw);
    return ReasonCode.Success;
  });
}

/** Remove every subscription of a session from the tree (session ended). */
export function dropAllSubscriptions(ctx: BrokerContext, session: Session): void {
  for (const raw of session.subscriptionsView.keys()) {
    const parsed = parseFilter(raw);
    if (parsed.ok) ctx.tree.remove(parsed.filter, parsed.shareGroup, session);
  }
  session.dropSubscriptions();
}

/** Put a restored session's subscriptions back into the tree. */
export function restoreSubscription(ctx: BrokerContext, session: Session, sub: SubscriptionRequest): void {
  const parsed = parseFilter(sub.filter);
  if (!parsed.ok) {
    ctx.logger.warn(`Stored subscription "${sub.filter}" of ${session.clientId} is invalid; ignored`);
    return;
  }
  session.subscriptions.set(sub.filter, sub);
  ctx.tree.add(parsed.filter, parsed.shareGroup, session, sub);
}
