/**
 * The sleep cycle of MQTT-SN §6.14 as firmware runs it: DISCONNECT with a duration → the gateway's
 * DISCONNECT → radio off (asleep) → wake at the sleep duration, or earlier when a reading is due →
 * either poll (PINGREQ with ClientId, take the buffered messages, PINGRESP, asleep again) or, with
 * something to send, connect again without clean session (the sensor's choice, through the host).
 */
import type { Battery } from './battery.js';
import type { Exchange } from './exchange.js';
import type { Scheduler, Timer } from './scheduler.js';
import type { SensorState } from './sensor-state.js';
import type { GroupStats } from './stats.js';

export interface SleepHost {
  readonly clientId: string;
  readonly exchange: Exchange;
  readonly scheduler: Scheduler;
  readonly battery: Battery;
  readonly stats: GroupStats;
  state(): SensorState;
  enter(state: SensorState): void;
  sleepSeconds(): number;
  stopping(): boolean;
  /** The run is ending: go on with the stop sequence from the current state. */
  advanceStop(): void;
  connectionLost(reason: string): void;
  stopKeepAlive(): void;
  /** Milliseconds until the next reading is due (Infinity when the sensor has no more to send). */
  untilNextReport(): number;
  /** Something to send on waking (a reading due, the outbox not empty, or sleep turned off). */
  hasWorkOnWake(): boolean;
  /** Connect again without clean session, to publish (§6.14). */
  reconnect(): void;
  /** Scheduler time in seconds (battery accounting). */
  seconds(): number;
}

export class SleepCycle {
  private wakeTimer: Timer | undefined;

  constructor(private readonly host: SleepHost) {}

  /** DISCONNECT with the sleep duration; asleep once the gateway answers with DISCONNECT. */
  fallAsleep(): void {
    const host = this.host;
    host.enter({ kind: 'falling-asleep' });
    const duration = host.sleepSeconds();
    host.exchange.start({
      what: `DISCONNECT duration=${duration}`,
      packet: { type: 'DISCONNECT', duration },
      matches: (reply) => reply.type === 'DISCONNECT',
      onReply: () => {
        host.stats.counters.sleeps++;
        this.sleepUntilNextWake();
      },
      onGiveUp: () => host.connectionLost('no DISCONNECT answering the sleep request'),
    });
  }

  /** No wake-up pending any more (the sensor stops). */
  cancelWake(): void {
    this.host.scheduler.cancel(this.wakeTimer);
  }

  /** Radio off; wake at the sleep duration, or earlier when a reading is due. */
  private sleepUntilNextWake(): void {
    const host = this.host;
    host.enter({ kind: 'asleep' });
    host.stopKeepAlive();
    host.battery.setState('asleep', host.seconds());
    if (host.stopping()) {
      host.advanceStop();
      return;
    }
    const delay = Math.max(0, Math.min(host.sleepSeconds() * 1000, host.untilNextReport()));
    this.wakeTimer = host.scheduler.after(delay, () => this.wake());
  }

  private wake(): void {
    const host = this.host;
    this.wakeTimer = undefined;
    if (host.state().kind !== 'asleep') return;
    host.battery.setState('awake', host.seconds());
    if (host.stopping()) {
      host.advanceStop();
      return;
    }
    if (host.hasWorkOnWake()) {
      host.reconnect();
      return;
    }
    this.poll();
  }

  /** Awake state: PINGREQ with ClientId; buffered messages arrive; PINGRESP ends it (§6.14). */
  private poll(): void {
    const host = this.host;
    host.enter({ kind: 'awake' });
    host.stats.counters.wakeups++;
    host.exchange.start({
      what: 'PINGREQ (wake-up)',
      packet: { type: 'PINGREQ', clientId: host.clientId },
      matches: (reply) => reply.type === 'PINGRESP',
      onReply: () => this.sleepUntilNextWake(),
      // §6.14: limit the retries and go back to sleep, not to flatten the battery.
      onGiveUp: () => this.sleepUntilNextWake(),
    });
  }
}
