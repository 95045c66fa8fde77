/**
 * When a sensor takes its readings and what it puts in its outbox: a reading every interval (a
 * battery level every `batteryEvery` readings), until `count`. Awake sensors report on a timer;
 * sleeping ones report when they wake (sensor-sleep.ts asks `due`). The readings run on their own
 * clock, advanced by the interval at each reading, so a seed gives the same readings whatever the
 * scheduling jitter (wall-clock time would not).
 */
import type { PublishQoS } from '../src/codec/mqttsn/index.js';
import type { Battery } from './battery.js';
import type { Random } from './prng.js';
import { encodeReading, ReadingsModel } from './readings.js';
import type { Scheduler, Timer } from './scheduler.js';
import type { SensorConfig } from './sensor-config.js';
import type { Publisher } from './sensor-publisher.js';

export interface ReportingHost {
  readonly config: SensorConfig;
  readonly scheduler: Scheduler;
  readonly battery: Battery;
  readonly publisher: Publisher;
  intervalSeconds(): number;
  sleepSeconds(): number;
  qos(): PublishQoS;
  stopping(): boolean;
  /** Something was queued: send it if the sensor can. */
  next(): void;
  seconds(): number;
}

export class Reporting {
  private readonly readings: ReadingsModel;
  private reports = 0;
  private readingClockSeconds = 0;
  private nextReportAt = 0;
  private timer: Timer | undefined;

  constructor(
    private readonly host: ReportingHost,
    random: Random,
  ) {
    this.readings = new ReadingsModel(random);
  }

  /** The next reading is due at `at` (scheduler time): at power-on, or as a command says. */
  reportAt(at: number): void {
    this.nextReportAt = at;
  }

  /** A reading is due now (a few ms early counts: timers are not exact) and `count` not reached. */
  get due(): boolean {
    return this.host.scheduler.now() >= this.nextReportAt - 5 && !this.countReached;
  }

  get countReached(): boolean {
    const count = this.host.config.count;
    return count !== undefined && this.reports >= count;
  }

  /** Milliseconds until the next reading is due (Infinity once `count` is reached). */
  msUntilNext(): number {
    return this.countReached ? Number.POSITIVE_INFINITY : this.nextReportAt - this.host.scheduler.now();
  }

  /** Awake sensors report on a timer; sleeping ones report when they wake. */
  schedule(): void {
    const host = this.host;
    host.scheduler.cancel(this.timer);
    if (host.stopping() || this.countReached) return;
    const delay = Math.max(0, this.nextReportAt - host.scheduler.now());
    this.timer = host.scheduler.after(delay, () => {
      this.timer = undefined;
      const qosMinus1 = host.qos() === -1;
      if (qosMinus1) host.battery.setState('awake', host.seconds());
      this.takeReading();
      if (host.sleepSeconds() === 0 || qosMinus1) this.schedule();
      host.next();
      // QoS −1 sensors have no session to keep: between readings the radio is simply off.
      if (qosMinus1 && host.sleepSeconds() > 0) host.battery.setState('asleep', host.seconds());
    });
  }

  cancel(): void {
    this.host.scheduler.cancel(this.timer);
  }

  takeReading(): void {
    if (this.countReached) return;
    const { scheduler, battery, publisher, config } = this.host;
    const interval = this.host.intervalSeconds();
    this.nextReportAt = Math.max(this.nextReportAt + interval * 1000, scheduler.now() + 1);
    this.reports++;
    const reading = this.readings.next(this.readingClockSeconds, battery.volts);
    this.readingClockSeconds += interval;
    publisher.enqueue({ stream: 'reading', payload: encodeReading(reading) });
    const every = config.batteryEvery;
    if (
      every > 0 &&
      this.reports % every === 0 &&
      config.batteryTopic !== undefined &&
      this.host.qos() !== -1
    ) {
      const level = (battery.level * 100).toFixed(2);
      publisher.enqueue({
        stream: 'battery',
        payload: Buffer.from(`{"level":${level},"v":${reading.batteryVolts}}`),
      });
    }
  }
}
