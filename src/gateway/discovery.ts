/**
 * Gateway discovery (MQTT-SN §6.1): ADVERTISE broadcast every advertiseInterval seconds on every
 * transport (its Duration tells clients when the next one comes), and SEARCHGW answered by GWINFO.
 *
 * Decision: GWINFO goes back unicast to the searcher (wrapped for a forwarder, with the search
 * radius), not broadcast. On IP networks the searcher's address is known, a broadcast reply would
 * need a broadcast address on every transport, and it would wake every listening radio; clients
 * that only listen for broadcasts still learn of us from ADVERTISE.
 */
import { encode, type SearchGwPacket } from '../codec/mqttsn/index.js';
import type { DatagramTransport } from '../transport/types.js';
import { type GatewayContext, send } from './context.js';
import type { Inbound } from './handlers/types.js';

/** The Duration field is 16 bits (§5.4.1). */
const MAX_DURATION = 0xffff;

export function startAdvertising(ctx: GatewayContext, transports: readonly DatagramTransport[]): () => void {
  const interval = ctx.options.advertiseInterval;
  if (interval <= 0) return () => {};
  const advertise = (): void => {
    const data = encode({
      type: 'ADVERTISE',
      gwId: ctx.options.gatewayId,
      duration: Math.min(MAX_DURATION, Math.ceil(interval)),
    });
    for (const transport of transports) {
      if (ctx.logger.debugEnabled) ctx.logger.debug(`MQTT-SN ${transport.name} broadcast <- ADVERTISE`);
      ctx.stats.datagramsOut++;
      transport.broadcast(data);
    }
  };
  advertise();
  const timer = setInterval(advertise, interval * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

export function handleSearchGw(ctx: GatewayContext, { endpoint }: Inbound<SearchGwPacket>): void {
  send(ctx, endpoint, { type: 'GWINFO', gwId: ctx.options.gatewayId });
}
