/**
 * Publishes a family of counters as retained `$SYS` topics (QoS 0), the way the core publishes
 * `$SYS/broker/...`: all of them once at start, then every `sys_interval` seconds those whose value
 * changed. Used for the security and the MQTT-SN counters.
 */
import type { BrokerApi } from '../broker/types.js';

export class CounterPublisher {
  private timer: NodeJS.Timeout | undefined;
  private readonly last = new Map<string, number>();

  constructor(
    private readonly broker: Pick<BrokerApi, 'publish'>,
    /** Every counter by full topic, read fresh at each publication. */
    private readonly read: () => Map<string, number>,
  ) {}

  /** Publishes now and then every `seconds` (0 = never, as sys_interval 0 turns $SYS off). */
  start(seconds: number): void {
    if (seconds <= 0) return;
    this.publishChanged();
    this.timer = setInterval(() => this.publishChanged(), seconds * 1000);
    // Never keeps the process alive on its own.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Publishes (retained, QoS 0) every counter whose value changed since the last call. */
  publishChanged(): void {
    for (const [topic, value] of this.read()) {
      if (this.last.get(topic) === value) continue;
      this.last.set(topic, value);
      this.broker.publish({ topic, payload: Buffer.from(String(value)), qos: 0, retain: true });
    }
  }
}
