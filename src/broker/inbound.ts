/**
 * Inbound PUBLISH and PUBREL from a client's session: checks, QoS 2 de-duplication, routing,
 * and the durable acknowledgement (`done` after store.flush, DESIGN.md "The store").
 */
import { type BrokerContext, describePeer } from './context.js';
import { retain, route } from './router.js';
import type { Session } from './session/session.js';
import { isValidTopicName } from './topics/validate.js';
import { type InboundPublish, type Message, type PublishOutcome, ReasonCode } from './types.js';

const OUTCOME = {
  success: { reason: ReasonCode.Success },
  noSubscribers: { reason: ReasonCode.NoMatchingSubscribers },
  notAuthorized: { reason: ReasonCode.NotAuthorized },
  topicInvalid: { reason: ReasonCode.TopicNameInvalid },
  qosNotSupported: { reason: ReasonCode.QosNotSupported },
  retainNotSupported: { reason: ReasonCode.RetainNotSupported },
  packetIdInvalid: { reason: ReasonCode.ProtocolError },
  failed: { reason: ReasonCode.UnspecifiedError },
} as const satisfies Record<string, PublishOutcome>;

type Done = (outcome: PublishOutcome) => void;

/** A v5 message expiry interval becomes an absolute deadline once, at receipt. */
export function withDeadline<M extends Message>(message: M, now: number): M {
  const interval = message.properties?.messageExpiryInterval;
  if (interval === undefined || message.expiresAt !== undefined) return message;
  return { ...message, expiresAt: now + interval * 1000 };
}

function rejected(
  ctx: BrokerContext,
  session: Session,
  msg: InboundPublish,
  outcome: PublishOutcome,
  why: string,
  done?: Done,
): void {
  ctx.logger.warn(`Client ${describePeer(session)} PUBLISH to "${msg.topic}" refused: ${why}`);
  if (done) settle(ctx, msg.qos, outcome, done);
}

/** QoS 0 answers at once; QoS 1/2 once everything submitted so far is durable. */
function settle(ctx: BrokerContext, qos: number, outcome: PublishOutcome, done: Done): void {
  if (qos === 0) {
    done(outcome);
    return;
  }
  if (!ctx.persist.enabled) {
    queueMicrotask(() => done(outcome));
    return;
  }
  ctx.persist.flush((error) => {
    if (error) ctx.logger.error(`Store flush failed: ${error.message}`);
    done(error ? OUTCOME.failed : outcome);
  });
}

/**
 * Topics a client may not publish to, whatever the ACL says (mosquitto 2.0 security.c
 * acl__check_dollar): the broker's own `$SYS` tree — except bridge state topics
 * `$SYS/broker/connection/<name>/state` — and `$share/…`, which names subscriptions, not topics.
 * mosquitto answers v5 PUBACK/PUBREC 0x87 and drops the message; 3.1.1 clients get a plain ack.
 */
function isReservedForClients(topic: string): boolean {
  if (topic.startsWith('$share')) return true;
  if (!topic.startsWith('$SYS')) return false;
  const levels = topic.split('/');
  return !(
    levels.length === 5 &&
    levels[0] === '$SYS' &&
    levels[1] === 'broker' &&
    levels[2] === 'connection' &&
    levels[4] === 'state'
  );
}

/** Why an inbound PUBLISH may not be routed, or undefined when it may. */
function refusal(
  ctx: BrokerContext,
  session: Session,
  msg: InboundPublish,
): [PublishOutcome, string] | undefined {
  if (!isValidTopicName(msg.topic)) return [OUTCOME.topicInvalid, 'invalid topic name'];
  if (msg.qos > ctx.options.maximumQos) return [OUTCOME.qosNotSupported, 'QoS above maximum'];
  if (msg.retain && !ctx.options.retainAvailable) return [OUTCOME.retainNotSupported, 'retain not available'];
  if (msg.qos > 0 && !(msg.packetId !== undefined && msg.packetId >= 1 && msg.packetId <= 65535)) {
    return [OUTCOME.packetIdInvalid, 'packet id missing or 0'];
  }
  if (isReservedForClients(msg.topic)) return [OUTCOME.notAuthorized, 'topic reserved for the broker'];
  const auth = ctx.options.authorizer;
  if (auth && !auth.canPublish(session.clientId, session.username, msg.topic)) {
    return [OUTCOME.notAuthorized, 'not authorized'];
  }
  return undefined;
}

export function inboundPublish(ctx: BrokerContext, session: Session, msg: InboundPublish, done?: Done): void {
  const refused = refusal(ctx, session, msg);
  if (refused) {
    rejected(ctx, session, msg, refused[0], refused[1], done);
    return;
  }
  if (msg.qos === 2) {
    const id = msg.packetId!;
    // Already received, PUBREC sent, PUBREL pending: not routed twice (MQTT 5 §4.3.3, method B).
    if (session.incomingQos2View.has(id)) {
      if (done) settle(ctx, 2, OUTCOME.success, done);
      return;
    }
    session.incomingQos2.add(id);
    ctx.persist.incoming(session, id);
  }
  ctx.metrics.messagesReceived++;
  ctx.sysCounters.publishBytesReceived += msg.payload.length;
  const message = withDeadline(msg, ctx.now());
  if (message.retain) retain(ctx, message);
  const matched = route(ctx, message, session);
  // v5 0x10 No matching subscribers goes in PUBACK only: mosquitto's PUBREC says 0x00 whether
  // anyone matched or not (0x10 is optional, MQTT 5 §3.5.2.1), and users compare with it.
  const outcome = matched || msg.qos === 2 ? OUTCOME.success : OUTCOME.noSubscribers;
  if (done) settle(ctx, msg.qos, outcome, done);
}

export function inboundPubrel(
  ctx: BrokerContext,
  session: Session,
  packetId: number,
  done?: (reason: ReasonCode) => void,
): void {
  const known = session.incomingQos2View.has(packetId) && session.incomingQos2.delete(packetId);
  if (known) ctx.persist.releaseIncoming(session, packetId);
  if (!done) return;
  // PUBCOMP 0x00 even for an id we no longer hold, as mosquitto answers: a PUBREL re-sent after
  // a reconnect finds its flow already complete, which is success from the client's side
  // (0x92 Packet Identifier not found is allowed by MQTT 5 §3.7.2.1, not required).
  ctx.persist.flush((error) => done(error ? ReasonCode.UnspecifiedError : ReasonCode.Success));
}
