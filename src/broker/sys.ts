/**
 * $SYS/broker/... statistics as mosquitto 2.0 publishes them (sys_tree.c): the same topics in
 * the same order, retained; `version` once at start, everything else every sysInterval seconds
 * when its value changed, with a message expiry of 60 s (so a value that stops changing ages out
 * of the retained store, as on mosquitto). Checked against mosquitto 2.0.11 by
 * test/differential/17-sys.test.ts. The timer is unref'd so it never keeps the process alive.
 *
 * What is counted differs where the core cannot see what mosquitto sees: the core has no
 * packets, so messages/* count PUBLISHes (mosquitto: stored messages and packets), and
 * load/sockets counts connections. heap/* is the V8 heap, not mosquitto's allocator.
 * mosquitto 2.0.11's publish/messages/received leaves out QoS 2 and retained PUBLISHes (seen
 * on this machine); we count every PUBLISH. The client counts (total, connected, disconnected,
 * maximum, expired), subscriptions, shared subscriptions, retained count and byte counters
 * matched mosquitto's in a side-by-side run.
 */
import type { BrokerContext } from './context.js';
import { retain, route } from './router.js';
import type { Message } from './types.js';

/** mosquitto gives every periodic $SYS message this expiry (sys_tree.c, "60"). */
const SYS_EXPIRY_SECONDS = 60;

/** The counters behind load/<name>/{1min,5min,15min}, in mosquitto's order. */
const LOAD_NAMES = [
  'messages/received',
  'messages/sent',
  'publish/dropped',
  'publish/received',
  'publish/sent',
  'bytes/received',
  'bytes/sent',
  'sockets',
  'connections',
] as const;
type LoadName = (typeof LOAD_NAMES)[number];
const LOAD_WINDOWS = [
  ['1min', 60],
  ['5min', 300],
  ['15min', 900],
] as const;

export class SysPublisher {
  private timer: NodeJS.Timeout | undefined;
  private readonly last = new Map<string, string>();
  private readonly startedAt: number;
  private lastUpdate: number;
  private readonly lastCount = new Map<LoadName, number>();
  private readonly load = new Map<string, number>();
  private clientsMaximum = 0;
  private heapMaximum = 0;

  constructor(private readonly ctx: BrokerContext) {
    this.startedAt = ctx.now();
    this.lastUpdate = this.startedAt;
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

  private counters(): Record<LoadName, number> {
    const m = this.ctx.metrics;
    const c = this.ctx.sysCounters;
    return {
      'messages/received': m.messagesReceived,
      'messages/sent': m.messagesSent,
      'publish/dropped': m.publishDropped,
      'publish/received': m.messagesReceived,
      'publish/sent': m.messagesSent,
      'bytes/received': m.bytesReceived,
      'bytes/sent': m.bytesSent,
      sockets: c.connections,
      connections: c.connections,
    };
  }

  /**
   * mosquitto's load: the per-minute rate over the last interval, folded into exponentially
   * decaying averages over 1, 5 and 15 minutes; published when it moved by 0.01 or more.
   */
  private loads(now: number, initial: boolean): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const seconds = Math.max((now - this.lastUpdate) / 1000, 0);
    const counts = this.counters();
    for (const name of LOAD_NAMES) {
      const count = counts[name];
      const rate = seconds > 0 ? ((count - (this.lastCount.get(name) ?? 0)) * 60) / seconds : 0;
      this.lastCount.set(name, count);
      for (const [window, span] of LOAD_WINDOWS) {
        const topic = `$SYS/broker/load/${name}/${window}`;
        const current = this.load.get(topic) ?? 0;
        const next = rate + Math.exp(-seconds / span) * (current - rate);
        if (initial || Math.abs(next - current) >= 0.01) out.push([topic, next.toFixed(2)]);
        this.load.set(topic, next);
      }
    }
    this.lastUpdate = now;
    return out;
  }

  /** Messages kept by the broker (retained, queued, in flight), and their payload bytes. */
  private stored(): { count: number; bytes: number } {
    let count = 0;
    let bytes = 0;
    for (const m of this.ctx.retained.values()) {
      count++;
      bytes += m.payload.length;
    }
    for (const session of this.ctx.sessions.values()) {
      for (const entry of session.queueView) {
        count++;
        bytes += entry.message.payload.length;
      }
      for (const entry of session.inflightView.values()) {
        count++;
        bytes += entry.message.payload.length;
      }
    }
    return { count, bytes };
  }

  /** The current values, by topic, in mosquitto's publishing order (also used by tests). */
  snapshot(initial = false): Map<string, string> {
    const { ctx } = this;
    const m = ctx.metrics;
    const c = ctx.sysCounters;
    const now = ctx.now();
    const total = ctx.sessions.size;
    const inactive = String(total - ctx.connected);
    const values = new Map<string, string>();
    values.set('$SYS/broker/uptime', `${Math.floor((now - this.startedAt) / 1000)} seconds`);
    values.set('$SYS/broker/clients/total', String(total));
    // mosquitto: the highest total seen, published only when it grows (never at 0).
    if (total > this.clientsMaximum) {
      this.clientsMaximum = total;
      values.set('$SYS/broker/clients/maximum', String(total));
    }
    values.set('$SYS/broker/clients/inactive', inactive);
    values.set('$SYS/broker/clients/disconnected', inactive);
    values.set('$SYS/broker/clients/active', String(ctx.connected));
    values.set('$SYS/broker/clients/connected', String(ctx.connected));
    values.set('$SYS/broker/clients/expired', String(c.expiredSessions));
    for (const [topic, value] of this.loads(now, initial)) values.set(topic, value);
    const stored = this.stored();
    values.set('$SYS/broker/messages/stored', String(stored.count));
    values.set('$SYS/broker/messages/received', String(m.messagesReceived));
    values.set('$SYS/broker/messages/sent', String(m.messagesSent));
    values.set('$SYS/broker/store/messages/count', String(stored.count));
    values.set('$SYS/broker/store/messages/bytes', String(stored.bytes));
    // mosquitto counts shared subscriptions apart, not in subscriptions/count.
    values.set('$SYS/broker/subscriptions/count', String(ctx.tree.count - ctx.tree.sharedCount));
    values.set('$SYS/broker/shared_subscriptions/count', String(ctx.tree.sharedCount));
    values.set('$SYS/broker/retained messages/count', String(ctx.retained.size));
    const heap = process.memoryUsage().heapUsed;
    this.heapMaximum = Math.max(this.heapMaximum, heap);
    values.set('$SYS/broker/heap/current', String(heap));
    values.set('$SYS/broker/heap/maximum', String(this.heapMaximum));
    values.set('$SYS/broker/publish/messages/dropped', String(m.publishDropped));
    values.set('$SYS/broker/publish/messages/received', String(m.messagesReceived));
    values.set('$SYS/broker/publish/messages/sent', String(m.messagesSent));
    values.set('$SYS/broker/publish/bytes/received', String(c.publishBytesReceived));
    values.set('$SYS/broker/publish/bytes/sent', String(c.publishBytesSent));
    values.set('$SYS/broker/bytes/received', String(m.bytesReceived));
    values.set('$SYS/broker/bytes/sent', String(m.bytesSent));
    return values;
  }

  publishAll(): void {
    const initial = this.last.size === 0;
    if (initial) this.publish('$SYS/broker/version', this.ctx.options.version, false);
    for (const [topic, value] of this.snapshot(initial)) {
      if (this.last.get(topic) === value) continue;
      this.last.set(topic, value);
      this.publish(topic, value, true);
    }
  }

  private publish(topic: string, value: string, expires: boolean): void {
    const message: Message = { topic, payload: Buffer.from(value), qos: 0, retain: true };
    if (expires) {
      message.properties = { messageExpiryInterval: SYS_EXPIRY_SECONDS };
      message.expiresAt = this.ctx.now() + SYS_EXPIRY_SECONDS * 1000;
    }
    retain(this.ctx, message);
    route(this.ctx, message, undefined);
  }
}
