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

/** A class, not closures: one small object per attached client (100 000 sensors). */
class GatewayLink implements ClientLink {
  constructor(
    private readonly ctx: GatewayContext,
    private readonly client: SnClient,
  ) {}

  private get current(): boolean {
    return !this.ctx.closing && this.client.link === this;
  }

  deliver(delivery: Delivery): void {
    if (this.current) enqueueDelivery(this.ctx, this.client, delivery);
  }

  release(packetId: number): void {
    if (this.current) enqueueRelease(this.ctx, this.client, packetId);
  }

  close(reason: ReasonCode): void {
    if (this.current) linkClosedByCore(this.ctx, this.client, reason);
  }

  drained(): void {
    if (this.current) onCoreDrained(this.ctx, this.client);
  }
}

export function createLink(ctx: GatewayContext, client: SnClient): ClientLink {
  return new GatewayLink(ctx, client);
}

/**
 * What the core needs to know about an MQTT-SN link: one QoS≥1 in flight (§6.6, unless configured
 * otherwise). No maximumPacketSize: a delivery too large for the transport is dropped by the
 * gateway itself (§6.10 "the gateway silently aborts the publish procedure"), which counts it in
 * stats().oversized and logs it naming the client.
 */
export function linkInfo(ctx: GatewayContext, endpoint: Endpoint, username: string | undefined): LinkInfo {
  const info: LinkInfo = {
    protocol: 'mqtt-sn',
    protocolVersion: 1,
    peer: endpoint.key,
    receiveMaximum: ctx.options.maxInflight,
  };
  if (username !== undefined) info.username = username;
  return info;
}
