/**
 * Start-up: rebuild sessions, subscriptions, retained messages, queues, in-flight windows,
 * inbound QoS 2 ids and pending wills from store.load() (issue 3).
 *
 * Sessions the store shows as still connected: an MQTT client's connection died with the
 * process, so it becomes disconnected now and its will is dropped (mosquitto does not keep the
 * will of a connected client either); an MQTT-SN client was asleep or active behind the gateway,
 * whose own restored state decides — it stays asleep with its will until resume() or expire().
 */

import type { LoadedState } from '../store/types.js';
import type { BrokerContext } from './context.js';
import { endSession, startExpiry } from './lifecycle.js';
import type { OutgoingEntry } from './session/session.js';
import { NEVER_EXPIRES, Session } from './session/session.js';
import { restoreSubscription } from './subscribe.js';
import type { LinkInfo, Message } from './types.js';
import { publishWill, startWillTimer } from './will.js';

const SLEEPER_INFO: LinkInfo = {
  protocol: 'mqtt-sn',
  protocolVersion: 1,
  peer: 'restored',
  receiveMaximum: 1,
};

/** Rebuild the core from what the store loaded (ctx.nextSeq must already continue after state.lastSeq). */
export function restoreFromStore(ctx: BrokerContext, state: LoadedState): void {
  const now = ctx.now();
  ctx.persist.lastMessageId = state.lastMessageId;
  const messages = loadMessages(ctx, state);
  for (const r of state.retained) {
    if (r.expiresAt === undefined || r.expiresAt > now) ctx.retained.set(r);
    else ctx.persist.retained(r.topic, undefined);
  }
  for (const stored of state.sessions) {
    let presence: Session['presence'];
    if (stored.disconnectedAt !== undefined) presence = { kind: 'disconnected', at: stored.disconnectedAt };
    else if (stored.protocol === 'mqtt-sn') presence = { kind: 'asleep', info: SLEEPER_INFO };
    else presence = { kind: 'disconnected', at: now };
    const session = new Session(
      stored.clientId,
      stored.sessionExpiry,
      stored.queueQos0 === true,
      stored.protocol,
      presence,
    );
    if (stored.nextPacketId !== undefined) session.nextPacketId = stored.nextPacketId;
    const keepWill = stored.disconnectedAt !== undefined || stored.protocol === 'mqtt-sn';
    session.will = keepWill ? stored.will : undefined;
    session.willDueAt = keepWill ? stored.willDueAt : undefined;
    ctx.sessions.set(session.clientId, session);
    ctx.persist.markStored(session.clientId);
  }
  for (const { clientId, subscription } of state.subscriptions) {
    const session = ctx.sessions.get(clientId);
    if (session) restoreSubscription(ctx, session, subscription);
  }
  for (const session of ctx.sessions.values()) session.copyPerSubscription = looksLikeV5(session);
  restoreOutgoing(ctx, state, messages);
  for (const { clientId, packetId } of state.incomingQos2)
    ctx.sessions.get(clientId)?.incomingQos2.add(packetId);
  for (const session of [...ctx.sessions.values()]) resumeTimers(ctx, session, now);
}

function loadMessages(ctx: BrokerContext, state: LoadedState): Map<number, Message> {
  const messages = new Map<number, Message>();
  for (const { id, ...message } of state.messages) {
    messages.set(id, message);
    ctx.persist.remember(message, id);
  }
  return messages;
}

function restoreOutgoing(ctx: BrokerContext, state: LoadedState, messages: Map<number, Message>): void {
  const ordered = [...state.outgoing].sort((a, b) => a.seq - b.seq);
  for (const o of ordered) {
    const session = ctx.sessions.get(o.clientId);
    const message = messages.get(o.messageId);
    if (!session || !message) continue;
    const entry: OutgoingEntry = {
      seq: o.seq,
      message,
      qos: o.qos,
      retain: o.retain,
      subscriptionIds: o.subscriptionIds,
      state: o.state,
      packetId: o.packetId ?? 0,
    };
    if (o.state === 'queued' || entry.packetId === 0) {
      entry.state = 'queued';
      entry.packetId = 0;
      session.queue.push(entry);
    } else {
      session.inflight.set(entry.packetId, entry);
    }
    ctx.persist.restoredEntry(entry);
    session.hadPending = true;
  }
}

/** Pending wills and session expiry carry on from where they were; what is overdue happens now. */
function resumeTimers(ctx: BrokerContext, session: Session, now: number): void {
  const p = session.presence;
  if (p.kind !== 'disconnected') return;
  if (session.sessionExpiry !== NEVER_EXPIRES && p.at + session.sessionExpiry * 1000 <= now) {
    endSession(ctx, session); // publishes a still-armed will first
    return;
  }
  if (session.willDueAt !== undefined) {
    if (session.willDueAt <= now) publishWill(ctx, session);
    else startWillTimer(ctx, session);
  }
  ctx.persist.session(session);
  startExpiry(ctx, session, p.at);
}

/**
 * The store does not keep the protocol version, yet a v5 client gets one copy per overlapping
 * subscription (Session.copyPerSubscription) while its session waits offline after a restart.
 * Evidence of v5: a session expiry other than 3.1.1's "never" (0xFFFFFFFF), or a subscription
 * option only v5 has. A v5 session with neither is taken for 3.1.1 until its client connects.
 */
function looksLikeV5(session: Session): boolean {
  if (session.protocol !== 'mqtt') return false;
  if (session.sessionExpiry !== NEVER_EXPIRES) return true;
  for (const sub of session.subscriptionsView.values()) {
    const v5Only =
      sub.subscriptionId !== undefined ||
      sub.noLocal === true ||
      sub.retainAsPublished === true ||
      (sub.retainHandling ?? 0) !== 0;
    if (v5Only) return true;
  }
  return false;
}
