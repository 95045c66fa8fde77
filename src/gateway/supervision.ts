/**
 * Keep-alive (active) and sleep (asleep) supervision, run by the gateway itself — not the
 * broker's keep-alive (DESIGN.md "Sleeping clients"; Paho #102 shows the trap of coupling them).
 * A client heard from within duration × tolerance (MQTT-SN §7.2) stays; otherwise it is lost.
 *
 * One timer per client, re-armed lazily: a datagram only updates `lastHeard`, and the timer, when
 * it fires early, sleeps again for the time remaining. No clearTimeout/setTimeout per datagram.
 */
import type { SnClient } from './client.js';
import type { GatewayContext } from './context.js';

/** Supervise `client` for `durationSeconds` (0 = not supervised, MQTT keep-alive semantics). */
export function supervise(
  ctx: GatewayContext,
  client: SnClient,
  durationSeconds: number,
  expire: (ctx: GatewayContext, client: SnClient) => void,
): void {
  stopSupervision(client);
  if (durationSeconds <= 0) return;
  client.supervisionMs = Math.ceil(durationSeconds * ctx.options.keepAliveTolerance * 1000);
  client.lastHeard = ctx.now();
  const check = (): void => {
    client.supervisionTimer = undefined;
    if (ctx.closing) return;
    const silentMs = ctx.now() - client.lastHeard;
    if (silentMs >= client.supervisionMs) {
      expire(ctx, client);
      return;
    }
    arm(client.supervisionMs - silentMs);
  };
  const arm = (ms: number): void => {
    client.supervisionTimer = setTimeout(check, ms);
    client.supervisionTimer.unref();
  };
  arm(client.supervisionMs);
}

export function stopSupervision(client: SnClient): void {
  if (client.supervisionTimer !== undefined) clearTimeout(client.supervisionTimer);
  client.supervisionTimer = undefined;
  client.supervisionMs = 0;
}
