/**
 * Leaving a state: lost (will published), detached for a new CONNECT, closed by the core.
 */
import { ReasonCode } from '../broker/types.js';
import type { SnClient } from './client.js';
import { attachedSession } from './client-state.js';
import { type GatewayContext, send } from './context.js';
import type { Endpoint } from './forwarder.js';
import { deleteClientState, saveClientState } from './gateway-state.js';
import { resetOutbound } from './outbound.js';
import { stopRetry } from './retransmit.js';
import { stopSupervision } from './supervision.js';

/**
 * The client is lost (MQTT-SN §6.14: keep-alive or sleep timer expired, or N_retry exhausted,
 * §6.13): its will is published through the broker, so MQTT subscribers see it.
 */
export function declareLost(ctx: GatewayContext, client: SnClient, why: string): void {
  const state = client.state;
  ctx.logger.info(`MQTT-SN client ${client.clientId} (${client.peer}) lost: ${why}`);
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
 */
export function detachForReconnect(ctx: GatewayContext, client: SnClient): void {
  stopSupervision(ctx, client);
  stopRetry(client);
  resetOutbound(ctx, client);
  const session = attachedSession(client.state);
  client.link = undefined;
  session?.detach();
}

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
    ctx.logger.info(`MQTT-SN client ${client.clientId} moved from ${client.endpoint.key} to ${endpoint.key}`);
  }
  ctx.clients.bind(client, endpoint);
}

/** The core closed the link (takeover elsewhere, shutdown, administrative close). */
export function linkClosedByCore(ctx: GatewayContext, client: SnClient, reason: ReasonCode): void {
  stopSupervision(ctx, client);
  resetOutbound(ctx, client);
  client.link = undefined;
  ctx.logger.info(
    `MQTT-SN client ${client.clientId} (${client.peer}) closed by the broker: reason 0x${reason.toString(16)}`,
  );
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
