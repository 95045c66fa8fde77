/**
 * DISCONNECT (MQTT-SN §6.12, §6.14), always answered with a DISCONNECT.
 * - without Duration: disconnected (not supervised); subscriptions and will stay with a
 *   CleanSession=0 session; the will is not published.
 * - with Duration: asleep (sleep.ts); from asleep, a new duration just changes the sleep time.
 */
import type { DisconnectPacket } from '../../codec/mqttsn/index.js';
import { type GatewayContext, send } from '../context.js';
import { forgetIfClean } from '../lifecycle.js';
import { resetOutbound } from '../outbound.js';
import { goToSleep } from '../sleep.js';
import { stopSupervision } from '../supervision.js';
import type { Inbound } from './types.js';

export function handleDisconnect(
  ctx: GatewayContext,
  { endpoint, client, packet }: Inbound<DisconnectPacket>,
): void {
  const state = client?.state;
  if (client === undefined || state === undefined || state.kind === 'disconnected' || state.kind === 'lost') {
    send(ctx, endpoint, { type: 'DISCONNECT' });
    return;
  }
  if (packet.duration !== undefined && packet.duration > 0 && state.kind !== 'connecting') {
    goToSleep(ctx, client, packet.duration);
    send(ctx, endpoint, { type: 'DISCONNECT' });
    return;
  }
  stopSupervision(ctx, client);
  resetOutbound(ctx, client);
  client.link = undefined;
  if (state.kind === 'active' || state.kind === 'awake') state.session?.disconnect({ publishWill: false });
  else if (state.kind === 'asleep') ctx.broker.expire(client.clientId, false);
  ctx.clients.setState(client, { kind: 'disconnected' });
  send(ctx, endpoint, { type: 'DISCONNECT' });
  forgetIfClean(ctx, client);
}
