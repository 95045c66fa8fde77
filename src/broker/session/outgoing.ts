/**
 * Outgoing flow of one session: offer a routed message, queue it, move it into the in-flight
 * window (receive maximum), transmit, handle acks, redeliver after a resume.
 *
 * QoS 0 to a connected client with an empty queue goes straight to link.deliver (no entry, no
 * store, no closure). QoS>0 takes the next packet id and waits in `inflight` until acked.
 */
import type { BrokerContext } from '../context.js';
import type { Delivery, LinkInfo, Message, PublishProperties, QoS } from '../types.js';
import type { OutgoingEntry, Presence, Session } from './session.js';

type Connected = Extract<Presence, { kind: 'connected' }>;
type DropReason = 'queue-full' | 'too-large' | 'expired';

function windowSize(ctx: BrokerContext, info: LinkInfo): number {
  const max = info.receiveMaximum;
  return max > 0 ? max : ctx.options.maxInflightMessages;
}

/** Reads the clock only for messages that can expire (the common case never pays for it). */
function isExpired(ctx: BrokerContext, message: Message): boolean {
  return message.expiresAt !== undefined && message.expiresAt <= ctx.now();
}

export function dropMessage(ctx: BrokerContext, session: Session, topic: string, reason: DropReason): void {
  ctx.metrics.publishDropped++;
  if (ctx.events.has('messageDropped'))
    ctx.events.emit('messageDropped', { clientId: session.clientId, topic, reason });
  if (ctx.logger.debugEnabled)
    ctx.logger.debug(`Dropped message on ${topic} for ${session.clientId}: ${reason}`);
}

/**
 * Hand one routed message to a session. `defer` queues even for a connected client and pumps in
 * a microtask: used when the client is the publisher, so the core never calls a link from inside
 * that link's own call (types.ts, "Timing").
 */
export function offer(
  ctx: BrokerContext,
  session: Session,
  message: Message,
  qos: QoS,
  retain: boolean,
  subscriptionIds: readonly number[] | undefined,
  defer: boolean,
): void {
  const p = session.presence;
  if (p.kind !== 'connected') {
    // mosquitto's default: QoS 0 is not kept for offline sessions (queue_qos0_messages).
    if (qos === 0 && !ctx.options.queueQos0Messages && !session.queueQos0) return;
    enqueue(ctx, session, message, qos, retain, subscriptionIds);
    return;
  }
  if (!defer && session.queueView.length === 0 && !session.redeliveryPending) {
    if (qos === 0) {
      if (isExpired(ctx, message)) dropMessage(ctx, session, message.topic, 'expired');
      else transmit(ctx, session, p, message, 0, retain, subscriptionIds, 0, false);
      return;
    }
    if (session.inflightView.size < windowSize(ctx, p.info)) {
      const entry: OutgoingEntry = {
        seq: ctx.nextSeq(),
        message,
        qos,
        retain,
        subscriptionIds,
        state: 'sent',
        packetId: session.allocatePacketId(),
      };
      startFlight(ctx, session, p, entry);
      return;
    }
  }
  enqueue(ctx, session, message, qos, retain, subscriptionIds);
  if (defer) schedulePump(ctx, session);
}

function enqueue(
  ctx: BrokerContext,
  session: Session,
  message: Message,
  qos: QoS,
  retain: boolean,
  subscriptionIds: readonly number[] | undefined,
): void {
  const own = session.maxQueued;
  const max = own ?? ctx.options.maxQueuedMessages;
  while (max > 0 && session.queueView.length >= max) {
    // Full: the oldest QoS 0 makes room (BrokerOptions.maxQueuedMessages); otherwise the new one
    // goes — or, with the session's own bound (an MQTT-SN sleep buffer), the oldest queued one.
    const victim =
      session.queue.removeOldestQos0() ?? (own !== undefined ? session.queue.shift() : undefined);
    if (!victim) {
      dropMessage(ctx, session, message.topic, 'queue-full');
      return;
    }
    ctx.persist.removeOutgoing(session, victim);
    dropMessage(ctx, session, victim.message.topic, 'queue-full');
  }
  const entry: OutgoingEntry = {
    seq: ctx.nextSeq(),
    message,
    qos,
    retain,
    subscriptionIds,
    state: 'queued',
    packetId: 0,
  };
  session.queue.push(entry);
  session.hadPending = true;
  ctx.persist.outgoing(session, entry);
}

function startFlight(ctx: BrokerContext, session: Session, p: Connected, entry: OutgoingEntry): void {
  session.inflight.set(entry.packetId, entry);
  session.hadPending = true;
  ctx.persist.outgoing(session, entry);
  const m = entry.message;
  if (!transmit(ctx, session, p, m, entry.qos, entry.retain, entry.subscriptionIds, entry.packetId, false)) {
    completeFlight(ctx, session, entry);
  }
}

function completeFlight(ctx: BrokerContext, session: Session, entry: OutgoingEntry): void {
  session.inflight.delete(entry.packetId);
  ctx.persist.removeOutgoing(session, entry);
}

/** Send one PUBLISH. Returns false when it could not be sent (too large for the client). */
function transmit(
  ctx: BrokerContext,
  session: Session,
  p: Connected,
  message: Message,
  qos: QoS,
  retain: boolean,
  subscriptionIds: readonly number[] | undefined,
  packetId: number,
  dup: boolean,
): boolean {
  const delivery: Delivery = {
    topic: message.topic,
    payload: message.payload,
    qos,
    retain,
    dup,
    properties: remainingLifetime(ctx, message),
  };
  if (packetId !== 0) delivery.packetId = packetId;
  if (subscriptionIds) delivery.subscriptionIds = subscriptionIds as number[];
  const limit = p.info.maximumPacketSize;
  if (limit !== undefined && p.info.deliverySize && p.info.deliverySize(delivery) > limit) {
    // [MQTT-3.1.2-25] discard it as if it had been delivered.
    dropMessage(ctx, session, message.topic, 'too-large');
    return false;
  }
  ctx.metrics.messagesSent++;
  ctx.sysCounters.publishBytesSent += message.payload.length;
  try {
    p.link.deliver(delivery);
  } catch (error) {
    // A front end's bug must not break the publisher's call nor other subscribers.
    ctx.logger.error(`Delivery to ${session.clientId} (${p.info.peer}) failed: ${String(error)}`);
  }
  return true;
}

/** v5 message expiry: the interval sent on is the time remaining (MQTT 5 §3.3.2.3.3). */
function remainingLifetime(ctx: BrokerContext, message: Message): PublishProperties | undefined {
  const props = message.properties;
  if (props?.messageExpiryInterval === undefined || message.expiresAt === undefined) return props;
  const remaining = Math.max(1, Math.ceil((message.expiresAt - ctx.now()) / 1000));
  return { ...props, messageExpiryInterval: remaining };
}

export function schedulePump(ctx: BrokerContext, session: Session): void {
  if (session.flushScheduled) return;
  session.flushScheduled = true;
  queueMicrotask(() => {
    session.flushScheduled = false;
    if (ctx.sessions.get(session.clientId) === session) pump(ctx, session);
  });
}

let pumping: Session | undefined;

/** Move queued messages out while the client is connected and the window has room, in order. */
export function pump(ctx: BrokerContext, session: Session): void {
  if (pumping === session) return; // re-entered from link.deliver: the outer loop carries on
  const outer = pumping;
  pumping = session;
  try {
    for (;;) {
      const p = session.presence;
      if (p.kind !== 'connected') return;
      const entry = session.queueView.peek();
      if (!entry) break;
      if (entry.qos > 0 && session.inflightView.size >= windowSize(ctx, p.info)) return;
      session.queue.shift();
      if (isExpired(ctx, entry.message)) {
        ctx.persist.removeOutgoing(session, entry);
        dropMessage(ctx, session, entry.message.topic, 'expired');
      } else if (entry.qos === 0) {
        ctx.persist.removeOutgoing(session, entry);
        transmit(ctx, session, p, entry.message, 0, entry.retain, entry.subscriptionIds, 0, false);
      } else {
        entry.state = 'sent';
        entry.packetId = session.allocatePacketId();
        startFlight(ctx, session, p, entry);
      }
    }
  } finally {
    pumping = outer;
  }
  notifyIfDrained(session);
}

function notifyIfDrained(session: Session): void {
  const p = session.presence;
  if (!session.hadPending || p.kind !== 'connected') return;
  if (session.queueView.length > 0 || session.inflightView.size > 0) return;
  session.hadPending = false;
  p.link.drained?.();
}

/**
 * After a session is resumed: resend every in-flight PUBLISH with DUP=1 and every PUBREL, in
 * their original order [MQTT-4.4.0-1], then carry on with the queue.
 */
export function redeliver(ctx: BrokerContext, session: Session): void {
  session.redeliveryPending = false;
  for (const entry of [...session.inflightView.values()]) {
    const p = session.presence;
    if (p.kind !== 'connected') return;
    if (session.inflightView.get(entry.packetId) !== entry) continue;
    if (entry.state === 'released') {
      p.link.release(entry.packetId);
    } else if (
      !transmit(
        ctx,
        session,
        p,
        entry.message,
        entry.qos,
        entry.retain,
        entry.subscriptionIds,
        entry.packetId,
        true,
      )
    ) {
      completeFlight(ctx, session, entry);
    }
  }
  pump(ctx, session);
}

export function puback(ctx: BrokerContext, session: Session, packetId: number): boolean {
  const entry = session.inflightView.get(packetId);
  if (entry?.qos !== 1) return false;
  completeFlight(ctx, session, entry);
  pump(ctx, session);
  return true;
}

/** PUBREC: the message is now the client's; keep only the packet id until PUBCOMP. */
export function pubrec(ctx: BrokerContext, session: Session, packetId: number): boolean {
  const entry = session.inflightView.get(packetId);
  if (entry?.qos !== 2) return false;
  if (entry.state === 'sent') {
    entry.state = 'released';
    ctx.persist.outgoing(session, entry);
  }
  return true;
}

/**
 * PUBCOMP ends a QoS 2 flow. Also accepted in state 'sent', so a front end can end a flow that a
 * v5 PUBREC with a failure reason code closed (MQTT 5 §4.3.3).
 */
export function pubcomp(ctx: BrokerContext, session: Session, packetId: number): boolean {
  const entry = session.inflightView.get(packetId);
  if (entry?.qos !== 2) return false;
  completeFlight(ctx, session, entry);
  pump(ctx, session);
  return true;
}
