/**
 * Session lifecycle: connect (new, resumed, clean start, takeover), connection end, MQTT-SN
 * sleep (detach / resume / expire, MQTT-SN §6.14), session expiry and session end.
 *
 * Takeover and the old connection's will — decision, checked against mosquitto 2.0.11 on this
 * machine (mosquitto_sub with --will-topic, then a second client with the same id): the old will
 * is published when the old session ENDS with the takeover (the new connection has clean start,
 * or the old session had expiry 0 / clean session), for 3.1.1 and 5 alike; when the session
 * continues (clean start 0 on a persistent session) the will is discarded, since the client is
 * back before any delay elapsed (MQTT 5 §3.1.4 step 3, [MQTT-3.1.3-9]).
 */
import type { BrokerContext } from './context.js';
import { redeliver } from './session/outgoing.js';
import { type ConnectedPresence, NEVER_EXPIRES, Session } from './session/session.js';
import { dropAllSubscriptions } from './subscribe.js';
import { LongTimer } from './timer.js';
import type { ClientLink, ConnectRequest } from './types.js';
import { ReasonCode } from './types.js';
import { armWill, cancelWill, publishWill } from './will.js';

function attach(ctx: BrokerContext, session: Session, presence: ConnectedPresence): void {
  const info = presence.info;
  session.presence = presence;
  session.username = info.username;
  session.expiryTimer?.cancel();
  ctx.connected++;
  ctx.sysCounters.connections++;
  if (ctx.connected > ctx.maxConnected) ctx.maxConnected = ctx.connected;
  // Only built when someone listens: reading info.peer may format an address (MQTT front end).
  if (ctx.events.has('clientConnected')) {
    ctx.events.emit('clientConnected', {
      clientId: session.clientId,
      peer: info.peer,
      protocol: info.protocol,
    });
  }
}

/** Take the link away from a session (its presence becomes `next`). Returns the old link if any. */
function unlink(ctx: BrokerContext, session: Session, reason: string): ClientLink | undefined {
  const p = session.presence;
  if (p.kind !== 'connected') return undefined;
  session.presence = { kind: 'disconnected', at: ctx.now() };
  ctx.connected--;
  if (ctx.events.has('clientDisconnected')) {
    ctx.events.emit('clientDisconnected', { clientId: session.clientId, peer: p.info.peer, reason });
  }
  return p.link;
}

/** The session is over: its armed will goes out, its state is dropped everywhere. */
export function endSession(ctx: BrokerContext, session: Session): void {
  if (session.willDueAt !== undefined) publishWill(ctx, session);
  cancelWill(session);
  session.expiryTimer?.cancel();
  unlink(ctx, session, 'session ended');
  dropAllSubscriptions(ctx, session);
  ctx.persist.endSession(session);
  session.dropOutgoing();
  if (ctx.sessions.get(session.clientId) === session) ctx.sessions.delete(session.clientId);
}

export function startExpiry(ctx: BrokerContext, session: Session, disconnectedAt: number): void {
  // persistent_client_expiration caps every interval, "never" included.
  const cap = ctx.options.persistentClientExpiration ?? NEVER_EXPIRES;
  const expiry = Math.min(session.sessionExpiry, cap);
  if (expiry === NEVER_EXPIRES) return;
  session.expiryTimer ??= new LongTimer(ctx.now, () => {
    if (ctx.sessions.get(session.clientId) !== session || session.connected) return;
    ctx.sysCounters.expiredSessions++;
    endSession(ctx, session);
  });
  session.expiryTimer.startAt(disconnectedAt + expiry * 1000);
}

/** The connection ended (DISCONNECT, lost, or an MQTT-SN sleeper expired). */
export function connectionEnded(
  ctx: BrokerContext,
  session: Session,
  willToo: boolean,
  sessionExpiry: number | undefined,
  reason: string,
): void {
  unlink(ctx, session, reason);
  const at = ctx.now();
  session.presence = { kind: 'disconnected', at };
  if (sessionExpiry !== undefined && sessionExpiry !== session.sessionExpiry) {
    const wasPersistent = session.persistent;
    session.sessionExpiry = sessionExpiry;
    if (!wasPersistent && session.persistent) {
      ctx.persist.session(session);
      ctx.persist.sessionContents(session);
    }
  }
  if (willToo) armWill(ctx, session);
  else session.will = undefined; // DISCONNECT 0x00: the will is deleted (MQTT 5 §3.14.4)
  if (session.sessionExpiry === 0) {
    endSession(ctx, session); // publishes an armed delayed will now: the session ends first
    return;
  }
  ctx.persist.session(session);
  startExpiry(ctx, session, at);
}

/** MQTT-SN client goes to sleep: no link, will and session kept, nothing expires (§6.14). */
export function sleep(ctx: BrokerContext, session: Session): void {
  const p = session.presence;
  if (p.kind !== 'connected') return;
  unlink(ctx, session, 'asleep');
  session.presence = { kind: 'asleep', info: p.info };
}

export function connect<H extends ConnectedPresence>(
  ctx: BrokerContext,
  req: ConnectRequest,
  handle: (s: Session) => H,
): { session: Session; handle: H; present: boolean } {
  const existing = ctx.sessions.get(req.clientId);
  if (existing) {
    const oldLink = unlink(ctx, existing, 'session taken over');
    const endsNow = req.cleanStart || existing.sessionExpiry === 0;
    if (oldLink) {
      if (endsNow) publishWill(ctx, existing);
      existing.will = undefined;
      oldLink.close(ReasonCode.SessionTakenOver);
    } else if (!endsNow) {
      cancelWill(existing); // back before the will delay elapsed [MQTT-3.1.3-9]
    }
    if (endsNow) endSession(ctx, existing);
  }
  const protocol = req.info.protocol;
  const resumed = existing !== undefined && ctx.sessions.get(req.clientId) === existing;
  let session: Session;
  if (resumed) {
    session = existing;
    session.sessionExpiry = req.sessionExpiry;
    session.queueQos0 = req.queueQos0 === true;
    session.protocol = protocol;
  } else {
    session = new Session(req.clientId, req.sessionExpiry, req.queueQos0 === true, protocol, {
      kind: 'disconnected',
      at: ctx.now(),
    });
    ctx.sessions.set(req.clientId, session);
  }
  session.will = req.will;
  session.maxQueued = req.maxQueued;
  session.copyPerSubscription = protocol === 'mqtt' && req.info.protocolVersion === 5;
  const h = handle(session);
  attach(ctx, session, h);
  ctx.persist.session(session);
  if (resumed) {
    session.redeliveryPending = true;
    // After CONNACK: resend what was in flight with DUP=1, PUBRELs, then the queue [MQTT-4.4.0-1].
    queueMicrotask(() => {
      if (ctx.sessions.get(session.clientId) === session) redeliver(ctx, session);
    });
  }
  return { session, handle: h, present: resumed };
}

/** Re-attach a link to an existing session, will and options untouched (MQTT-SN awake, §6.14). */
export function resume(
  ctx: BrokerContext,
  session: Session,
  presence: ConnectedPresence,
  maxQueued?: number,
): void {
  if (maxQueued !== undefined) session.maxQueued = maxQueued;
  const oldLink = unlink(ctx, session, 'session taken over');
  oldLink?.close(ReasonCode.SessionTakenOver);
  cancelWill(session);
  attach(ctx, session, presence);
  ctx.persist.session(session);
  // drained() is promised once nothing remains, even when nothing was pending.
  session.hadPending = true;
  session.redeliveryPending = true;
  queueMicrotask(() => {
    if (ctx.sessions.get(session.clientId) === session) redeliver(ctx, session);
  });
}
