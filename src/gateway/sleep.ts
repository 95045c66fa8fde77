/**
 * Sleeping clients (MQTT-SN §6.14, Figures 4 and 5).
 *
 * asleep: the session is detached from its link; the core queues everything for it, QoS 0 too
 *   (ConnectRequest.queueQos0; OASIS MQTT-554). The gateway — not the broker — supervises the sleep
 *   duration with the §7.2 tolerance; on expiry the will is published (broker.expire) and the
 *   client is lost.
 * awake: PINGREQ with ClientId. broker.resume re-attaches a link; buffered messages are flushed in
 *   order (REGISTERs with their PUBLISH, each QoS≥1 acknowledged before the next, outbound.ts),
 *   then PINGRESP last, and the client is asleep again with a fresh sleep timer. With nothing
 *   buffered, PINGRESP goes at once. (Paho #80/#165 and EMQX #4434/#4507 got this order wrong.)
 */
import type { SnClient } from './client.js';
import { type GatewayContext, send } from './context.js';
import type { Endpoint } from './forwarder.js';
import { saveClientState } from './gateway-state.js';
import { claimAddress, declareLost } from './lifecycle.js';
import { createLink, linkInfo } from './link.js';
import { pump, resetOutbound } from './outbound.js';
import { stopRetry } from './retransmit.js';
import { supervise } from './supervision.js';

/** DISCONNECT with Duration from an active or awake client (or a new duration while asleep). */
export function goToSleep(ctx: GatewayContext, client: SnClient, duration: number): void {
  const state = client.state;
  if (state.kind === 'active' || state.kind === 'awake') {
    resetOutbound(ctx, client);
    client.link = undefined;
    state.session?.detach();
  }
  ctx.clients.setState(client, { kind: 'asleep', duration });
  supervise(ctx, client, duration, sleepExpired);
  saveClientState(ctx, client);
}

function sleepExpired(ctx: GatewayContext, client: SnClient): void {
  if (client.state.kind !== 'asleep') return;
  declareLost(ctx, client, `no message for ${client.state.duration} s of sleep (MQTT-SN §6.14)`);
}

/**
 * PINGREQ with ClientId from an asleep client: awake. Returns false when the core no longer has
 * a session for it (the caller answers DISCONNECT so that the client CONNECTs again, §6.12).
 */
export function wakeUp(ctx: GatewayContext, client: SnClient, endpoint: Endpoint, duration: number): boolean {
  claimAddress(ctx, client, endpoint);
  const link = createLink(ctx, client);
  client.link = link;
  ctx.clients.setState(client, { kind: 'awake', session: undefined, duration, coreIdle: false, budget: 0 });
  supervise(ctx, client, 0, sleepExpired);
  const session = ctx.broker.resume(client.clientId, link, linkInfo(ctx, endpoint, client.username), {
    maxQueued: ctx.options.sleepBufferSize, // a session restored from the store had no bound yet
  });
  const state = client.state;
  if (session === undefined) {
    client.link = undefined;
    ctx.clients.setState(client, { kind: 'disconnected' });
    return false;
  }
  if (state.kind !== 'awake' || client.link !== link) return true; // changed by the core's calls
  state.session = session;
  const pending = session.pendingCount();
  state.budget = pending;
  // The core keeps the buffer within sleepBufferSize (+1 in flight) while the client sleeps. Only a
  // session restored from the store, queued before the bound was set again, can hold more: the
  // oldest of those are dropped here, so that one wake-up never floods the client.
  const allowed = ctx.options.sleepBufferSize + ctx.options.maxInflight;
  if (pending > allowed) client.skipDeliveries = pending - allowed;
  if (pending === 0) state.coreIdle = true;
  pump(ctx, client); // sends anything delivered meanwhile; PINGRESP at once if nothing is pending
  return true;
}

/** ClientLink.drained: the core has nothing queued or in flight for the client any more. */
export function onCoreDrained(ctx: GatewayContext, client: SnClient): void {
  if (client.state.kind !== 'awake') return;
  client.state.coreIdle = true;
  maybeFinishWake(ctx, client);
}

/** PINGRESP last (§6.14), once both the core and the gateway's own queue are empty. */
export function maybeFinishWake(ctx: GatewayContext, client: SnClient): void {
  const state = client.state;
  if (state.kind !== 'awake' || state.session === undefined) return;
  // The backlog is through when the core is idle, or when every message it held at wake-up came.
  if (!state.coreIdle && state.budget > 0) return;
  if (client.outstanding !== undefined || client.queue.length > 0) return;
  const endpoint = client.endpoint;
  stopRetry(client);
  client.link = undefined;
  state.session.detach();
  ctx.clients.setState(client, { kind: 'asleep', duration: state.duration });
  supervise(ctx, client, state.duration, sleepExpired);
  saveClientState(ctx, client); // the new sleep start, so a restart counts from it
  if (endpoint !== undefined) send(ctx, endpoint, { type: 'PINGRESP' });
}

/**
 * Sleep supervision for a client restored asleep from the store at start-up, counted from `since`
 * (when it fell asleep); an expired sleep is declared lost at the next supervision tick.
 */
export function superviseRestoredSleep(
  ctx: GatewayContext,
  client: SnClient,
  duration: number,
  since: number,
): void {
  supervise(ctx, client, duration, sleepExpired, since);
}
