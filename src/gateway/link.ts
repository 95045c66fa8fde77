/**
 * The ClientLink the core talks to for one MQTT-SN client (one object per attach). Calls from a
 * link that is no longer the client's current one (after a takeover, sleep or loss) are ignored.
 */
import type { ClientLink, Delivery, LinkInfo, ReasonCode } from '../broker/types.js';
import type { SnClient } from './client.js';
import type { GatewayContext } from './context.js';
import type { Endpoint } from './forwarder.js';
import { linkClosedByCore } from './lifecycle.js';
import { enqueueDelivery, enqueueRelease } from './outbound.js';
import { onCoreDrained } from './sleep.js';

export function createLink(ctx: GatewayContext, client: SnClient): ClientLink {
  const link: ClientLink = {
    deliver(delivery: Delivery): void {
      if (isCurrent()) enqueueDelivery(ctx, client, delivery);
    },
    release(packetId: number): void {
      if (isCurrent()) enqueueRelease(ctx, client, packetId);
    },
    close(reason: ReasonCode): void {
      if (isCurrent()) linkClosedByCore(ctx, client, reason);
    },
    drained(): void {
      if (isCurrent()) onCoreDrained(ctx, client);
    },
  };
  const isCurrent = (): boolean => !ctx.closing && client.link === link;
  return link;
}

/**
 * What the core needs to know about an MQTT-SN link: one QoS≥1 in flight (§6.6, unless configured
 * otherwise). No maximumPacketSize: a delivery too large for the transport is dropped by the
 * gateway itself (§6.10 "the gateway silently aborts the publish procedure"), which counts it in
 * stats().oversized and logs it naming the client.
 */
export function linkInfo(ctx: GatewayContext, endpoint: Endpoint): LinkInfo {
  return {
    protocol: 'mqtt-sn',
    protocolVersion: 1,
    peer: endpoint.key,
    receiveMaximum: ctx.options.maxInflight,
  };
}
