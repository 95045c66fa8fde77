/**
 * Wills (MQTT 5 §3.1.2.5, §3.1.3.2.2): published when the connection is lost, after the will
 * delay interval, or at once when the session ends before that; cancelled when the client
 * reconnects before the delay elapses [MQTT-3.1.3-9]. Wills are subject to canPublish.
 */
import { type BrokerContext, describePeer } from './context.js';
import { withDeadline } from './inbound.js';
import { retain, route } from './router.js';
import type { Session } from './session/session.js';
import { LongTimer } from './timer.js';

/** Publish the session's will now (if it has one) and forget it. */
export function publishWill(ctx: BrokerContext, session: Session): void {
  const will = session.will;
  cancelWill(session);
  session.will = undefined;
  if (!will) return;
  const auth = ctx.options.authorizer;
  if (auth && !auth.canPublish(session.clientId, session.username, will.topic)) {
    ctx.logger.warn(`Will of ${describePeer(session)} on "${will.topic}" not published: not authorized`);
    return;
  }
  const { delayInterval: _delay, ...message } = will;
  const stamped = withDeadline(message, ctx.now());
  ctx.metrics.messagesReceived++;
  if (stamped.retain) retain(ctx, stamped);
  route(ctx, stamped, session);
  ctx.events.emit('willPublished', { clientId: session.clientId, topic: will.topic });
}

/**
 * The connection was lost: publish the will now, or arm it for its delay (capped by the
 * session expiry — the session ending publishes it anyway).
 */
export function armWill(ctx: BrokerContext, session: Session): void {
  const will = session.will;
  if (!will) return;
  const delay = will.delayInterval ?? 0;
  if (delay <= 0) {
    publishWill(ctx, session);
    return;
  }
  session.willDueAt = ctx.now() + delay * 1000;
  startWillTimer(ctx, session);
}

export function startWillTimer(ctx: BrokerContext, session: Session): void {
  if (session.willDueAt === undefined) return;
  session.willTimer ??= new LongTimer(ctx.now, () => {
    if (ctx.sessions.get(session.clientId) !== session) return;
    publishWill(ctx, session);
    ctx.persist.session(session);
  });
  session.willTimer.startAt(session.willDueAt);
}

/** Stop a pending delayed will (reconnect before the delay [MQTT-3.1.3-9]); the will itself stays. */
export function cancelWill(session: Session): void {
  session.willTimer?.cancel();
  session.willDueAt = undefined;
}
