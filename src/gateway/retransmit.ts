/**
 * The gateway's own retransmission of what it sends and expects an answer to (MQTT-SN §6.13,
 * applied gateway-side: REGISTER, QoS≥1 PUBLISH with DUP set, PUBREL, WILLTOPICREQ/WILLMSGREQ):
 * re-sent every T_retry, at most N_retry times; then the client is lost and its will published
 * (DESIGN.md "QoS mapping").
 */
import type { RetryState, SnClient } from './client.js';
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
  const retry: RetryState = {
    count: 0,
    resend,
    timer: setTimeout(onRetryTimeout, periodMs),
    due: onRetryTimeout,
  };
  function onRetryTimeout(): void {
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
  }
  retry.timer.unref();
  client.retry = retry;
}

/**
 * The link layer reports that a transmission to `client` failed (XBee Transmit Status != 0,
 * DatagramEvents.deliveryFailed): what the client has not answered counts as unanswered now —
 * one of N_retry is spent and it is re-sent at once, or the client is lost (§6.13) — instead of
 * waiting out T_retry for an answer that cannot come. Returns false when nothing awaits an answer.
 */
export function retryNow(client: SnClient): boolean {
  const retry = client.retry;
  if (retry === undefined) return false;
  clearTimeout(retry.timer);
  retry.due();
  return true;
}

export function stopRetry(client: SnClient): void {
  if (client.retry === undefined) return;
  clearTimeout(client.retry.timer);
  client.retry = undefined;
}
