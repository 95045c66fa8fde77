/**
 * The gateway's own retransmission of what it sends and expects an answer to (MQTT-SN §6.13,
 * applied gateway-side: REGISTER, QoS≥1 PUBLISH with DUP set, PUBREL, WILLTOPICREQ/WILLMSGREQ):
 * re-sent every T_retry, at most N_retry times; then the client is lost and its will published
 * (DESIGN.md "QoS mapping").
 */
import type { SnClient } from './client.js';
import type { GatewayContext } from './context.js';

/** Start supervising an answer from `client`; `resend` puts the request on the wire again. */
export function awaitAnswer(
  ctx: GatewayContext,
  client: SnClient,
  resend: () => void,
  giveUp: (ctx: GatewayContext, client: SnClient) => void,
): void {
  stopRetry(client);
  const periodMs = Math.max(1, ctx.options.tRetry * 1000);
  const retry = {
    count: 0,
    resend,
    timer: setTimeout(function onRetryTimeout() {
      if (ctx.closing || client.retry !== retry) return;
      if (retry.count >= ctx.options.nRetry) {
        client.retry = undefined;
        giveUp(ctx, client);
        return;
      }
      retry.count++;
      ctx.stats.retransmissions++;
      retry.resend();
      retry.timer = setTimeout(onRetryTimeout, periodMs);
      retry.timer.unref();
    }, periodMs),
  };
  retry.timer.unref();
  client.retry = retry;
}

export function stopRetry(client: SnClient): void {
  if (client.retry === undefined) return;
  clearTimeout(client.retry.timer);
  client.retry = undefined;
}
