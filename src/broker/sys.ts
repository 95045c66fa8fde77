/**
 * $SYS/broker/... statistics, named as mosquitto names them, published retained every
 * sysInterval seconds; only values that changed are published again (as mosquitto does).
 * The timer is unref'd so it never keeps the process alive.
 */
import type { BrokerContext } from './context.js';
import { retain, route } from './router.js';
import type { Message } from './types.js';

export class SysPublisher {
  private timer: NodeJS.Timeout | undefined;
  private readonly last = new Map<string, string>();
  private readonly startedAt: number;

  constructor(private readonly ctx: BrokerContext) {
    this.startedAt = ctx.now();
  }

  start(): void {
    const seconds = this.ctx.options.sysInterval;
    if (seconds <= 0) return;
    this.publishAll();
    this.timer = setInterval(() => this.publishAll(), seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The current values, by topic (also used by tests). */
  snapshot(): Map<string, string> {
    const { ctx } = this;
    const m = ctx.metrics;
    const total = ctx.sessions.size;
    return new Map<string, string>([
      ['$SYS/broker/version', ctx.options.version],
      ['$SYS/broker/uptime', `${Math.floor((ctx.now() - this.startedAt) / 1000)} seconds`],
      ['$SYS/broker/clients/connected', String(ctx.connected)],
      ['$SYS/broker/clients/active', String(ctx.connected)],
      ['$SYS/broker/clients/disconnected', String(total - ctx.connected)],
      ['$SYS/broker/clients/inactive', String(total - ctx.connected)],
      ['$SYS/broker/clients/total', String(total)],
      ['$SYS/broker/clients/maximum', String(ctx.maxConnected)],
      ['$SYS/broker/messages/received', String(m.messagesReceived)],
      ['$SYS/broker/messages/sent', String(m.messagesSent)],
      ['$SYS/broker/publish/messages/dropped', String(m.publishDropped)],
      ['$SYS/broker/bytes/received', String(m.bytesReceived)],
      ['$SYS/broker/bytes/sent', String(m.bytesSent)],
      ['$SYS/broker/subscriptions/count', String(ctx.tree.count)],
      ['$SYS/broker/retained messages/count', String(ctx.retained.size)],
    ]);
  }

  publishAll(): void {
    for (const [topic, value] of this.snapshot()) {
      if (this.last.get(topic) === value) continue;
      this.last.set(topic, value);
      const message: Message = { topic, payload: Buffer.from(value), qos: 0, retain: true };
      retain(this.ctx, message);
      route(this.ctx, message, undefined);
    }
  }
}
