/**
 * PINGREQ (MQTT-SN §6.11, §6.14). Without ClientId: a connected client's keep-alive → PINGRESP.
 * With ClientId: a sleeping client waking up → awake, flush, PINGRESP last (sleep.ts). The
 * ClientId routes it, so a client that wakes from a new address (NAT, NB-IoT) keeps its session
 * (options.wakeupFromNewAddress). From an active client it is a plain keep-alive ping. A sleeping
 * client that omits its ClientId is still recognised by its address.
 */
import type { PingreqPacket } from '../../codec/mqttsn/index.js';
import { printable } from '../../observe/printable.js';
import { type GatewayContext, send } from '../context.js';
import { NotConnected } from '../errors.js';
import { wakeUp } from '../sleep.js';
import type { Inbound } from './types.js';

export function handlePingreq(
  ctx: GatewayContext,
  { endpoint, client: atAddress, packet }: Inbound<PingreqPacket>,
): void {
  const named = packet.clientId === undefined ? undefined : ctx.clients.get(packet.clientId);
  const client = named ?? (packet.clientId === undefined ? atAddress : undefined);
  if (client === undefined)
    throw new NotConnected(
      `PINGREQ${packet.clientId === undefined ? '' : ` from unknown client ${printable(packet.clientId)}`}`,
    );
  const state = client.state;
  const sameAddress = client.endpoint?.key === endpoint.key;
  if (state.kind === 'active' && sameAddress) {
    send(ctx, endpoint, { type: 'PINGRESP' });
    return;
  }
  if (state.kind === 'awake' && sameAddress) return; // a repeated PINGREQ while the flush runs
  // Lenient: a sleeper's PINGREQ without ClientId from its own address wakes it up too.
  if (state.kind !== 'asleep') throw new NotConnected(`PINGREQ from a client that is ${state.kind}`);
  if (!sameAddress && !ctx.options.wakeupFromNewAddress) {
    throw new NotConnected(
      `PINGREQ for ${printable(client.clientId)} from a new address (wakeupFromNewAddress is off)`,
    );
  }
  if (!sameAddress) {
    const admission = ctx.options.security?.admit(client.clientId, endpoint.key) ?? { ok: true };
    if (!admission.ok)
      throw new NotConnected(`PINGREQ for ${printable(client.clientId)} not admitted: ${admission.why}`);
    client.username = admission.username;
    ctx.logger.info(
      `MQTT-SN client ${printable(client.clientId)} wakes up from ${endpoint.key} (was ${client.peer})`,
    );
  }
  if (!wakeUp(ctx, client, endpoint, state.duration))
    throw new NotConnected(`PINGREQ from ${printable(client.clientId)}: its session is gone`);
}
