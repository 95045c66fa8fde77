/**
 * Gateway → client delivery (MQTT-SN §6.10): one ordered queue per client of PUBLISHes and PUBRELs.
 * Before a PUBLISH on a topic the client has no id for, a REGISTER goes out and the PUBLISH waits
 * for its REGACK, in order with everything behind it (Paho #121: the REGISTER is never separated
 * from its PUBLISH). One REGISTER / QoS≥1 PUBLISH / PUBREL is outstanding at a time (§6.5, §6.6),
 * supervised by the gateway's own retransmission (retransmit.ts).
 *
 * The topic reference of a PUBLISH, in order of preference: the predefined id if the topic is
 * predefined for this client (§6.7), the short name if the topic is exactly 2 octets, the client's
 * registered id once the client knows it, otherwise a new REGISTER.
 */
import type { Delivery, SessionHandle } from '../broker/types.js';
import {
  type PubackPacket,
  type PubcompPacket,
  type PublishPacket,
  type PublishTopic,
  type PubrecPacket,
  type RegackPacket,
  type RegisterPacket,
  ReturnCode,
} from '../codec/mqttsn/index.js';
import { printable } from '../observe/printable.js';
import type { Outstanding, SnClient } from './client.js';
import { attachedSession } from './client-state.js';
import { type GatewayContext, send } from './context.js';
import { saveClientState } from './gateway-state.js';
import { declareLost } from './lifecycle.js';
import { awaitAnswer, stopRetry } from './retransmit.js';
import { goToSleep, maybeFinishWake } from './sleep.js';

type TopicChoice =
  | { kind: 'ready'; topic: PublishTopic }
  | { kind: 'register'; id: number }
  | { kind: 'full' };

function chooseTopic(ctx: GatewayContext, client: SnClient, name: string): TopicChoice {
  const predefined = ctx.predefined.topicId(client.clientId, name);
  if (predefined !== undefined) return { kind: 'ready', topic: { type: 'predefined', id: predefined } };
  if (Buffer.byteLength(name) === 2) return { kind: 'ready', topic: { type: 'short', name } };
  const known = client.topics.idOf(name);
  if (known !== undefined && client.topics.isAnnounced(known)) {
    return { kind: 'ready', topic: { type: 'normal', id: known } };
  }
  const id = known ?? client.topics.register(name);
  if (id === undefined) return { kind: 'full' };
  if (known === undefined) saveClientState(ctx, client);
  return { kind: 'register', id };
}

/** Tell the core a delivery is finished without the client having it (dropped). */
export function completeInCore(session: SessionHandle | undefined, delivery: Delivery): void {
  const id = delivery.packetId;
  if (session === undefined || id === undefined) return;
  if (delivery.qos === 1) session.puback(id);
  else if (delivery.qos === 2) {
    session.pubrec(id);
    session.pubcomp(id);
  }
}

/**
 * An awake client gets this wake-up's backlog (§6.14: "the buffered messages"), then PINGRESP.
 * A QoS≥1 message routed to it during the flush is not sent now: it stays in flight in the core,
 * which hands it over again at the next wake-up (sent then without DUP: `untransmitted`).
 * Otherwise a busy topic would keep a sleeper awake forever. Returns whether the delivery belongs
 * to this wake-up (QoS 0 always goes: it needs no answer).
 */
function withinWakeBudget(client: SnClient, qos: number): boolean {
  const state = client.state;
  if (state.kind !== 'awake') return true;
  if (state.budget > 0) {
    state.budget--;
    return true;
  }
  return qos === 0;
}

/**
 * DUP only on a re-send (§5.3.4): the core marks every redelivery of an in-flight message, but one
 * that never left the gateway goes out now for the first time.
 */
function firstTransmissionFlag(ctx: GatewayContext, client: SnClient, delivery: Delivery): Delivery {
  const id = delivery.packetId;
  if (id === undefined || !client.untransmitted.delete(id)) return delivery;
  saveClientState(ctx, client);
  return delivery.dup ? { ...delivery, dup: false } : delivery;
}

/** Queue one delivery from the core (ClientLink.deliver). */
export function enqueueDelivery(ctx: GatewayContext, client: SnClient, received: Delivery): void {
  const delivery = firstTransmissionFlag(ctx, client, received);
  if (!withinWakeBudget(client, delivery.qos)) {
    if (delivery.packetId !== undefined) client.untransmitted.add(delivery.packetId);
    return;
  }
  if (client.skipDeliveries > 0) {
    // Beyond sleepBufferSize at this wake-up: the oldest go (options.ts, sleepBufferSize).
    client.skipDeliveries--;
    ctx.stats.sleepBufferDropped++;
    completeInCore(attachedSession(client.state), delivery);
    return;
  }
  if (client.state.kind === 'awake' && delivery.qos > 0) client.state.coreIdle = false;
  client.queue.push({ kind: 'publish', delivery, reregistered: false, sent: false });
  pump(ctx, client);
}

/** Queue a PUBREL the core asks for (resuming a QoS 2 flow after a reconnect). */
export function enqueueRelease(ctx: GatewayContext, client: SnClient, packetId: number): void {
  if (!withinWakeBudget(client, 2)) return;
  if (client.state.kind === 'awake') client.state.coreIdle = false;
  client.queue.push({ kind: 'pubrel', packetId });
  pump(ctx, client);
}

/** Send what can be sent now, in order, stopping at the first item that needs an answer. */
export function pump(ctx: GatewayContext, client: SnClient): void {
  const endpoint = client.endpoint;
  const session = attachedSession(client.state);
  while (client.outstanding === undefined && session !== undefined && endpoint !== undefined) {
    const item = client.queue[0];
    if (item === undefined) break;
    if (item.kind === 'pubrel') {
      sendPubrel(ctx, client, item.packetId);
      return;
    }
    const delivery = item.delivery;
    const choice = chooseTopic(ctx, client, delivery.topic);
    if (choice.kind === 'full') {
      dropHead(ctx, client, session, `its topic table is full (${ctx.options.maxTopicsPerClient})`);
      continue;
    }
    if (choice.kind === 'register') {
      const register: RegisterPacket = {
        type: 'REGISTER',
        topicId: choice.id,
        msgId: client.nextMsgId(),
        topicName: delivery.topic,
      };
      // §6.10: a topic name too long for a REGISTER silently aborts the publish.
      if (!send(ctx, endpoint, register)) {
        dropHead(ctx, client, session, 'the REGISTER does not fit');
        continue;
      }
      client.outstanding = {
        kind: 'regack',
        msgId: register.msgId,
        topicId: choice.id,
        topicName: delivery.topic,
      };
      awaitAnswer(ctx, client, () => send(ctx, endpoint, register), giveUp);
      return;
    }
    const packet: PublishPacket = {
      type: 'PUBLISH',
      dup: delivery.dup,
      qos: delivery.qos,
      retain: delivery.retain,
      topic: choice.topic,
      msgId: delivery.packetId ?? 0,
      payload: delivery.payload,
    };
    if (!send(ctx, endpoint, packet)) {
      dropHead(ctx, client, session, 'the PUBLISH does not fit');
      continue;
    }
    item.sent = true;
    if (delivery.qos === 0) {
      client.queue.shift();
      continue;
    }
    client.outstanding = { kind: delivery.qos === 1 ? 'puback' : 'pubrec', msgId: packet.msgId, packet };
    const again: PublishPacket = { ...packet, dup: true };
    awaitAnswer(ctx, client, () => send(ctx, endpoint, again), giveUp);
    return;
  }
  if (client.outstanding === undefined && client.queue.length === 0) maybeFinishWake(ctx, client);
}

function sendPubrel(ctx: GatewayContext, client: SnClient, packetId: number): void {
  const endpoint = client.endpoint;
  if (endpoint === undefined) return;
  client.outstanding = { kind: 'pubcomp', msgId: packetId };
  send(ctx, endpoint, { type: 'PUBREL', msgId: packetId });
  awaitAnswer(ctx, client, () => send(ctx, endpoint, { type: 'PUBREL', msgId: packetId }), giveUp);
}

function dropHead(ctx: GatewayContext, client: SnClient, session: SessionHandle, why: string): void {
  const item = client.queue.shift();
  if (item?.kind !== 'publish') return;
  ctx.stats.deliveriesDropped++;
  ctx.logger.warn(`MQTT-SN ${client.logName}: message on ${printable(item.delivery.topic)} dropped: ${why}`);
  completeInCore(session, item.delivery);
}

function finishHead(ctx: GatewayContext, client: SnClient): void {
  client.queue.shift();
  client.outstanding = undefined;
  stopRetry(client);
  pump(ctx, client);
}

/**
 * N_retry re-sends unanswered. An active client is lost (its will is published). An awake one
 * goes back to asleep instead: §6.14 tells a sleeper to give up its PINGREQ retries and sleep
 * again, so silence during a flush is expected; its sleep timer decides whether it is lost, and
 * the unacknowledged message stays with the core for the next wake-up (re-sent with DUP).
 */
function giveUp(ctx: GatewayContext, client: SnClient): void {
  const state = client.state;
  const why = `no answer after ${ctx.options.nRetry} retransmissions (MQTT-SN §6.13)`;
  if (state.kind !== 'awake') {
    declareLost(ctx, client, why);
    return;
  }
  ctx.logger.info(`MQTT-SN client ${client.logName}: ${why} while awake: back to asleep`);
  goToSleep(ctx, client, state.duration);
}

export function onPuback(ctx: GatewayContext, client: SnClient, packet: PubackPacket): void {
  const o = client.outstanding;
  const session = attachedSession(client.state);
  const head = client.queue[0];
  if (
    (o?.kind !== 'puback' && o?.kind !== 'pubrec') ||
    o.msgId !== packet.msgId ||
    head?.kind !== 'publish'
  ) {
    logUnexpected(ctx, client, `PUBACK for msgId ${packet.msgId}`);
    return;
  }
  if (packet.returnCode === ReturnCode.ACCEPTED && o.kind === 'puback') {
    session?.puback(o.msgId);
    finishHead(ctx, client);
    return;
  }
  const topic = o.packet.topic;
  if (packet.returnCode === ReturnCode.INVALID_TOPIC_ID && topic.type === 'normal' && !head.reregistered) {
    // §6.10: the client does not know the id: correct the assignment (REGISTER again) and resend.
    client.topics.remove(topic.id);
    saveClientState(ctx, client);
    head.reregistered = true;
    client.outstanding = undefined;
    stopRetry(client);
    pump(ctx, client);
    return;
  }
  // §6.6 "regardless of the QoS": a rejection ends the flow; the message is dropped.
  ctx.stats.deliveriesDropped++;
  ctx.logger.info(
    `MQTT-SN ${client.logName}: client rejected a message on ${printable(head.delivery.topic)} (return code ${packet.returnCode})`,
  );
  completeInCore(session, head.delivery);
  finishHead(ctx, client);
}

export function onPubrec(ctx: GatewayContext, client: SnClient, packet: PubrecPacket): void {
  const o = client.outstanding;
  if (o?.kind === 'pubcomp' && o.msgId === packet.msgId) {
    // A repeated PUBREC: our PUBREL was lost.
    if (client.endpoint !== undefined) send(ctx, client.endpoint, { type: 'PUBREL', msgId: o.msgId });
    return;
  }
  if (o?.kind === 'releasing' && o.msgId === packet.msgId) return; // PUBREL follows once durable
  if (o?.kind !== 'pubrec' || o.msgId !== packet.msgId) {
    logUnexpected(ctx, client, `PUBREC for msgId ${packet.msgId}`);
    return;
  }
  const session = attachedSession(client.state);
  if (session === undefined) return;
  // The PUBLISH is answered: no more re-sends of it. PUBREL only once the 'released' state is
  // durable, or a crash in between would re-send the PUBLISH after PUBREL (MQTT §4.3.3).
  stopRetry(client);
  const releasing: Outstanding = { kind: 'releasing', msgId: o.msgId };
  client.outstanding = releasing;
  session.pubrec(o.msgId, () => {
    // Meanwhile the client may have gone to sleep, been lost or reconnected: the core then
    // resumes the flow with link.release() on the next attach.
    if (ctx.closing || client.outstanding !== releasing) return;
    client.queue[0] = { kind: 'pubrel', packetId: releasing.msgId };
    sendPubrel(ctx, client, releasing.msgId);
  });
}

export function onPubcomp(ctx: GatewayContext, client: SnClient, packet: PubcompPacket): void {
  const o = client.outstanding;
  if (o?.kind !== 'pubcomp' || o.msgId !== packet.msgId) {
    logUnexpected(ctx, client, `PUBCOMP for msgId ${packet.msgId}`);
    return;
  }
  attachedSession(client.state)?.pubcomp(o.msgId);
  finishHead(ctx, client);
}

export function onRegack(ctx: GatewayContext, client: SnClient, packet: RegackPacket): void {
  const o = client.outstanding;
  if (o?.kind !== 'regack' || o.msgId !== packet.msgId) {
    logUnexpected(ctx, client, `REGACK for msgId ${packet.msgId}`);
    return;
  }
  client.outstanding = undefined;
  stopRetry(client);
  if (packet.returnCode === ReturnCode.ACCEPTED) {
    client.topics.markAnnounced(o.topicId);
    pump(ctx, client);
    return;
  }
  // §6.10: a rejected REGISTER "corresponds to an unsubscribe to the topic name".
  ctx.logger.info(
    `MQTT-SN ${client.logName}: client rejected REGISTER of ${printable(o.topicName)} (return code ${packet.returnCode})`,
  );
  const session = attachedSession(client.state);
  session?.unsubscribe([o.topicName]);
  const kept = client.queue.filter((item) => {
    if (item.kind !== 'publish' || item.delivery.topic !== o.topicName) return true;
    ctx.stats.deliveriesDropped++;
    completeInCore(session, item.delivery);
    return false;
  });
  client.queue.splice(0, client.queue.length, ...kept);
  pump(ctx, client);
}

function logUnexpected(ctx: GatewayContext, client: SnClient, what: string): void {
  if (ctx.logger.debugEnabled)
    ctx.logger.debug(`MQTT-SN ${client.logName}: ignored ${what}: not outstanding`);
}

/**
 * The link is going away (sleep, reconnect, lost): forget what is queued here. QoS≥1 deliveries
 * stay in flight in the core, which re-sends them on the next attach (§6.14 wake-up or CONNECT):
 * with DUP if they went on the air, without if they never did (`untransmitted`, e.g. a PUBLISH
 * still waiting for its REGACK). Only QoS 0 messages still queued here are lost, and counted.
 */
export function resetOutbound(ctx: GatewayContext, client: SnClient): void {
  stopRetry(client);
  for (const item of client.queue) {
    if (item.kind !== 'publish') continue;
    const id = item.delivery.packetId;
    if (item.delivery.qos === 0) ctx.stats.deliveriesDropped++;
    else if (!item.sent && id !== undefined) client.untransmitted.add(id);
  }
  client.queue.length = 0;
  client.outstanding = undefined;
  client.skipDeliveries = 0;
}
