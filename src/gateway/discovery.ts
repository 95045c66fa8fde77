/**
 * Gateway discovery (MQTT-SN §6.1): ADVERTISE broadcast every advertiseInterval seconds on every
 * transport (its Duration tells clients when the next one comes), and SEARCHGW answered by GWINFO.
 *
 * GWINFO is "sent as response to a SEARCHGW message using the broadcast service" (§5.4.3, §6.1):
 * it is broadcast on the transport the SEARCHGW came in on (an XBee broadcast frame, the UDP
 * advertise address), and also sent unicast to the searcher, whose address we know — on IP the
 * searcher often listens on an ephemeral port that a broadcast to the advertise port never reaches.
 * A searcher behind a forwarder gets the reply wrapped to its forwarder only (§5.5).
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
  if (endpoint.nodeHex !== undefined) return;
  if (ctx.logger.debugEnabled)
    ctx.logger.debug(`MQTT-SN ${endpoint.peer.transport.name} broadcast <- GWINFO`);
  ctx.stats.datagramsOut++;
  endpoint.peer.transport.broadcast(encode({ type: 'GWINFO', gwId: ctx.options.gatewayId }));
}
