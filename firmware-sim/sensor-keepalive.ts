/**
 * The keep-alive of a connected sensor (MQTT-SN §6.11): when nothing has been sent for the
 * keep-alive period, a PINGREQ; no PINGRESP after N_retry retransmissions means the connection is
 * gone. QoS −1 sensors never connect and have none.
 */
import type { PublishQoS } from '../src/codec/mqttsn/index.js';
import type { Exchange } from './exchange.js';
import type { Scheduler, Timer } from './scheduler.js';
import type { Radio } from './sensor-radio.js';
import type { SensorState } from './sensor-state.js';

export interface KeepAliveHost {
  readonly keepAliveSeconds: number;
  readonly scheduler: Scheduler;
  readonly exchange: Exchange;
  readonly radio: Radio;
  state(): SensorState;
  qos(): PublishQoS;
  /** The PINGRESP came: carry on with whatever waits. */
  next(): void;
  connectionLost(reason: string): void;
}

export class KeepAlive {
  private timer: Timer | undefined;

  constructor(private readonly host: KeepAliveHost) {}

  /** (Re)arm for the keep-alive period after the last transmission. */
  arm(): void {
    const { scheduler, keepAliveSeconds, radio } = this.host;
    scheduler.cancel(this.timer);
    const keepAliveMs = keepAliveSeconds * 1000;
    if (keepAliveMs <= 0 || this.host.qos() === -1) return;
    const due = Math.max(radio.lastSentAt + keepAliveMs - scheduler.now(), 10);
    this.timer = scheduler.after(due, () => this.due());
  }

  cancel(): void {
    this.host.scheduler.cancel(this.timer);
  }

  private due(): void {
    const host = this.host;
    const kind = host.state().kind;
    if (kind !== 'active' && kind !== 'setup') return;
    const idleMs = host.scheduler.now() - host.radio.lastSentAt;
    if (!host.exchange.busy && idleMs >= host.keepAliveSeconds * 1000 - 10) {
      host.exchange.start({
        what: 'PINGREQ',
        packet: { type: 'PINGREQ' },
        matches: (reply) => reply.type === 'PINGRESP',
        onReply: () => host.next(),
        onGiveUp: () => host.connectionLost('no PINGRESP'),
      });
    }
    this.arm();
  }
}
