/**
 * Leaving a state: lost (will published), detached for a new CONNECT, closed by the core.
 */
import { type ClientLink, ReasonCode } from '../broker/types.js';
import { printable } from '../observe/printable.js';
import type { SnClient } from './client.js';
import { attachedSession, holdsSlot } from './client-state.js';
import { type GatewayContext, send } from './context.js';
import type { Endpoint } from './forwarder.js';
import { deleteClientState, saveClientState } from './gateway-state.js';
import { linkInfo } from './link.js';
import { resetOutbound } from './outbound.js';
import { stopRetry } from './retransmit.js';
import { stopSupervision } from './supervision.js';

/**
 * The client is lost (MQTT-SN §6.14: keep-alive or sleep timer expired, or N_retry exhausted,
 * §6.13): its will is published through the broker, so MQTT subscribers see it.
 */
export function declareLost(ctx: GatewayContext, client: SnClient, why: string): void {
  const state = client.state;
  ctx.logger.info(`MQTT-SN client ${client.logName} lost: ${printable(why)}`);
  ctx.stats.clientsLost++;
  stopSupervision(ctx, client);
  resetOutbound(ctx, client);
  client.link = undefined;
  if (state.kind === 'active' || state.kind === 'awake') {
    state.session?.disconnect({ publishWill: true });
  } else if (state.kind === 'asleep') {
    ctx.broker.expire(client.clientId, true);
  }
  ctx.clients.setState(client, { kind: 'lost' });
  forgetIfClean(ctx, client);
}

/**
 * Detach whatever link the client has before a new CONNECT takes the session over: the core
 * keeps will, subscriptions and in-flight messages (§6.3 decides what the CONNECT then changes).
 *
 * A CleanSession=0 CONNECT keeps "all stored client's data" (MQTT-SN §6.3), also that of a client
 * that connected with CleanSession=1 and is still active or asleep: subscriptions persist "until
 * ... the client establishes a new connection with the CleanSession flag set" (§6.3), and a
 * sleeper goes back to active with a CONNECT (§6.14). Its core session has expiry 0, which the
 * core ends at a clean-start-0 connect (MQTT semantics), so it is first made persistent: ended as
 * a connection with a new expiry, the will left to the CONNECT (the gateway hands it over).
 *
 * Returns true when the core's redelivery for a session resumed here is still queued (a
 * microtask): the caller connects only after it, or the core would redeliver twice.
 */
export function detachForReconnect(ctx: GatewayContext, client: SnClient, keepStoredData = false): boolean {
  stopSupervision(ctx, client);
  stopRetry(client);
  resetOutbound(ctx, client);
  const session = attachedSession(client.state);
  const upgrade = keepStoredData && client.cleanSession && holdsSlot(client.state.kind);
  client.link = undefined;
  if (!upgrade) {
    session?.detach();
    return false;
  }
  client.cleanSession = false; // the core session is persistent from here on
  if (session !== undefined) {
    session.disconnect({ publishWill: false, sessionExpiry: SESSION_NEVER_EXPIRES });
    return false;
  }
  // Asleep: no handle on the core session. A resume with a link that takes nothing gives one.
  const endpoint = client.endpoint;
  if (endpoint === undefined) return false;
  const handle = ctx.broker.resume(client.clientId, INERT_LINK, linkInfo(ctx, endpoint, client.username));
  handle?.disconnect({ publishWill: false, sessionExpiry: SESSION_NEVER_EXPIRES });
  return handle !== undefined;
}

/** handlers/connect.ts NEVER_EXPIRES: the session of a CleanSession=0 client. */
const SESSION_NEVER_EXPIRES = 0xffffffff;

/** A link for a moment's resume (detachForReconnect): the session is detached again at once. */
const INERT_LINK: ClientLink = {
  deliver: () => {},
  release: () => {},
  close: () => {},
  drained: () => {},
};

/**
 * Route `endpoint` to `client`. A different client still active at that address is lost: its
 * device is gone (NAT rebinding, a reused port), as when an MQTT connection drops without
 * DISCONNECT. A sleeping one just loses the address: it is routed by ClientId when it wakes.
 */
export function claimAddress(ctx: GatewayContext, client: SnClient, endpoint: Endpoint): void {
  const previous = ctx.clients.at(endpoint.key);
  if (previous !== undefined && previous !== client) {
    const kind = previous.state.kind;
    if (kind === 'active' || kind === 'awake' || kind === 'connecting') {
      declareLost(ctx, previous, `its address ${endpoint.key} now belongs to ${client.clientId}`);
    }
    ctx.clients.unbind(previous);
  }
  if (client.endpoint !== undefined && client.endpoint.key !== endpoint.key) {
    ctx.logger.info(
      `MQTT-SN client ${printable(client.clientId)} moved from ${client.endpoint.key} to ${endpoint.key}`,
    );
  }
  ctx.clients.bind(client, endpoint);
}

/** The core closed the link (takeover elsewhere, shutdown, administrative close). */
export function linkClosedByCore(ctx: GatewayContext, client: SnClient, reason: ReasonCode): void {
  stopSupervision(ctx, client);
  resetOutbound(ctx, client);
  client.link = undefined;
  ctx.logger.info(`MQTT-SN client ${client.logName} closed by the broker: reason 0x${reason.toString(16)}`);
  if (client.endpoint !== undefined && reason !== ReasonCode.ServerShuttingDown) {
    send(ctx, client.endpoint, { type: 'DISCONNECT' });
  }
  ctx.clients.setState(client, { kind: 'disconnected' });
  forgetIfClean(ctx, client);
}

/**
 * A CleanSession=1 client that is gone keeps nothing (§6.3): drop its record so that churn of
 * clean clients does not grow the registry. CleanSession=0 clients keep their topic ids.
 */
export function forgetIfClean(ctx: GatewayContext, client: SnClient): void {
  if (!client.cleanSession) {
    saveClientState(ctx, client);
    return;
  }
  ctx.clients.remove(client);
  deleteClientState(ctx, client);
}
