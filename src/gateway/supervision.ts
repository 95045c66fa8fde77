/**
 * Keep-alive (active) and sleep (asleep) supervision, run by the gateway itself — not the
 * broker's keep-alive (DESIGN.md "Sleeping clients"; Paho #102 shows the trap of coupling them).
 * A client heard from within duration × tolerance (MQTT-SN §7.2) stays; otherwise it is lost.
 * The tolerance is §7.2's: +10 % for durations over one minute, +50 % otherwise, unless
 * options.keepAliveTolerance overrides it.
 *
 * One timer wheel per gateway instead of one Timeout per client (100 000 sensors × a Timeout is
 * ~20 MB): clients sit in 250 ms slots by deadline. A datagram only updates `lastHeard`; when a
 * client's slot comes up and it was heard from meanwhile, it moves to the slot of its new deadline.
 * Expiry is therefore up to one slot late, never early.
 */
import type { SnClient } from './client.js';
import type { GatewayContext } from './context.js';

const SLOT_MS = 250;

export type Expire = (ctx: GatewayContext, client: SnClient) => void;

interface Wheel {
  slots: Map<number, Set<SnClient>>;
  timer: NodeJS.Timeout | undefined;
}

const wheels = new WeakMap<GatewayContext, Wheel>();

function wheelOf(ctx: GatewayContext): Wheel {
  let wheel = wheels.get(ctx);
  if (wheel === undefined) {
    wheel = { slots: new Map(), timer: undefined };
    wheels.set(ctx, wheel);
  }
  return wheel;
}

const ONE_MINUTE_S = 60;

/**
 * The factor applied to a keep-alive or sleep duration (MQTT-SN §7.2): "the timer values should
 * be 10% higher than the indicated values for durations larger than 1 minute, and 50% higher if
 * less". Exactly one minute counts as "less" (the more lenient side). `override` wins if set.
 */
export function toleranceFor(durationSeconds: number, override: number | undefined): number {
  if (override !== undefined) return override;
  return durationSeconds > ONE_MINUTE_S ? 1.1 : 1.5;
}

/** The supervision limit in ms for a duration in seconds, tolerance included. */
export function supervisionLimitMs(durationSeconds: number, override: number | undefined): number {
  return Math.ceil(durationSeconds * toleranceFor(durationSeconds, override) * 1000);
}

/**
 * Supervise `client` for `durationSeconds` (0 = not supervised, MQTT keep-alive semantics),
 * counted from `since` (epoch ms; default now — a restored sleeper counts from when it fell asleep).
 */
export function supervise(
  ctx: GatewayContext,
  client: SnClient,
  durationSeconds: number,
  expire: Expire,
  since: number = ctx.now(),
): void {
  stopSupervision(ctx, client);
  if (durationSeconds <= 0) return;
  client.supervisionMs = supervisionLimitMs(durationSeconds, ctx.options.keepAliveTolerance);
  client.supervisionExpire = expire;
  client.lastHeard = since;
  place(ctx, wheelOf(ctx), client);
}

export function stopSupervision(ctx: GatewayContext, client: SnClient): void {
  if (client.supervisionSlot !== undefined)
    wheels.get(ctx)?.slots.get(client.supervisionSlot)?.delete(client);
  client.supervisionSlot = undefined;
  client.supervisionExpire = undefined;
  client.supervisionMs = 0;
}

function place(ctx: GatewayContext, wheel: Wheel, client: SnClient): void {
  const slot = Math.ceil((client.lastHeard + client.supervisionMs) / SLOT_MS);
  let members = wheel.slots.get(slot);
  if (members === undefined) {
    members = new Set();
    wheel.slots.set(slot, members);
  }
  members.add(client);
  client.supervisionSlot = slot;
  if (wheel.timer === undefined) {
    wheel.timer = setInterval(() => tick(ctx, wheel), SLOT_MS);
    wheel.timer.unref();
  }
}

function tick(ctx: GatewayContext, wheel: Wheel): void {
  if (ctx.closing) {
    stopWheel(wheel);
    return;
  }
  const now = ctx.now();
  const current = Math.floor(now / SLOT_MS);
  // A client re-placed below always lands in a later slot than `current`, so it is not seen again.
  for (const [slot, members] of wheel.slots) {
    if (slot > current) continue;
    wheel.slots.delete(slot);
    for (const client of members) {
      client.supervisionSlot = undefined;
      if (now - client.lastHeard < client.supervisionMs) {
        place(ctx, wheel, client);
        continue;
      }
      const expire = client.supervisionExpire;
      stopSupervision(ctx, client);
      expire?.(ctx, client);
    }
  }
  if (wheel.slots.size === 0) stopWheel(wheel);
}

function stopWheel(wheel: Wheel): void {
  if (wheel.timer !== undefined) clearInterval(wheel.timer);
  wheel.timer = undefined;
}

/** Stop every supervision of the gateway (close()). */
export function stopAllSupervision(ctx: GatewayContext): void {
  const wheel = wheels.get(ctx);
  if (wheel === undefined) return;
  stopWheel(wheel);
  wheel.slots.clear();
}
