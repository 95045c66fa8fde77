/**
 * One simulated battery sensor: an MQTT-SN v1.2 client written the way small firmware is — one
 * state (sensor-state.ts), one open request at a time with T_retry/N_retry (exchange.ts, §6.13),
 * a small outbox of readings — not a mirror image of the gateway.
 *
 * Life of a sensor: power on → find the gateway (SEARCHGW → GWINFO, §6.1, or a configured address) →
 * CONNECT, answering WILLTOPICREQ/WILLMSGREQ (§6.2) → REGISTER its topics (§6.5) and SUBSCRIBE to
 * `sensors/<id>/cmd` (§6.9) → publish readings at its QoS (§6.6; QoS −1 without any connection,
 * §6.8) → with a sleep setting: DISCONNECT(duration) → asleep → wake, either to poll (PINGREQ with
 * ClientId, take the buffered messages, PINGRESP, §6.14) or to report (CONNECT without clean session).
 * N_retry unanswered retransmissions mean the connection is gone: it starts over.
 *
 * This file is the state machine (session life, loss, stop, commands); the parts:
 * sensor-session.ts (discovery, CONNECT and will, REGISTER, SUBSCRIBE), sensor-publisher.ts (the
 * outbox and the §6.6 publish flows), sensor-reporting.ts (when readings are taken),
 * sensor-keepalive.ts (§6.11), sensor-sleep.ts (the §6.14 sleep cycle), sensor-dispatch.ts
 * (each message from the gateway), sensor-inbox.ts (what the gateway sends on its own),
 * sensor-commands.ts (the command topic), sensor-radio.ts (encoding, MTU, energy per transmission),
 * sensor-topics.ts (topic ids), exchange.ts (one open request with T_retry/N_retry).
 */
import { decode, type PublishQoS } from '../src/codec/mqttsn/index.js';
import type { Logger } from '../src/observe/logger.js';
import { Battery } from './battery.js';
import type { Command } from './commands.js';
import { Exchange } from './exchange.js';
import type { Origin, SensorLink } from './links/types.js';
import type { Random } from './prng.js';
import type { Scheduler, Timer } from './scheduler.js';
import { applyCommandPayload } from './sensor-commands.js';
import type { SensorConfig } from './sensor-config.js';
import { type DispatchHost, dispatchFromGateway } from './sensor-dispatch.js';
import { Inbox } from './sensor-inbox.js';
import { KeepAlive, type KeepAliveHost } from './sensor-keepalive.js';
import { Publisher } from './sensor-publisher.js';
import { Radio } from './sensor-radio.js';
import { Reporting, type ReportingHost } from './sensor-reporting.js';
import { SessionSetup } from './sensor-session.js';
import { SleepCycle, type SleepHost } from './sensor-sleep.js';
import type { SensorState } from './sensor-state.js';
import { PublishTopics } from './sensor-topics.js';
import type { GroupStats } from './stats.js';

/** A sensor that cannot reach the gateway waits this long before trying again (plus T_retry). */
const RECONNECT_DELAY_MS = 1000;

export interface SensorHooks {
  /** Every PUBLISH the sensor accepted from the gateway (duplicates excluded). */
  onMessage?(clientId: string, topic: string, payload: Buffer): void;
  /** The sensor has sent all its readings (`count`) and has nothing in flight. */
  onFinished?(sensor: Sensor): void;
}

export class Sensor {
  state: SensorState = { kind: 'off' };
  readonly battery: Battery;
  private readonly reporting: Reporting;
  private readonly exchange: Exchange;
  private readonly radio: Radio;
  private readonly keepAlive: KeepAlive;
  private readonly sleep: SleepCycle;
  private readonly dispatchHost: DispatchHost;
  private intervalSeconds: number;
  private sleepSeconds: number;
  private qos: PublishQoS;
  private readonly topics: PublishTopics;
  private readonly session: SessionSetup;
  private readonly inbox: Inbox;
  private readonly publisher: Publisher;
  private lastMsgId = 0;
  private holdUntil = 0;
  private holdTimer: Timer | undefined;
  private stopping = false;
  private finished = false;
  private stopResolve: (() => void) | undefined;

  constructor(
    readonly config: SensorConfig,
    private readonly scheduler: Scheduler,
    readonly stats: GroupStats,
    random: Random,
    private readonly logger: Logger,
    private readonly hooks: SensorHooks = {},
  ) {
    this.intervalSeconds = config.intervalSeconds;
    this.sleepSeconds = config.sleepSeconds;
    this.qos = config.qos;
    this.battery = new Battery(this.seconds(), config.batteryMah);
    this.radio = new Radio(config.clientId, scheduler, this.battery, logger);
    this.topics = new PublishTopics(config);
    this.inbox = new Inbox((packet) => this.radio.transmit(packet));
    this.exchange = new Exchange(
      scheduler,
      () => config.tRetrySeconds * 1000,
      () => config.nRetry,
      { transmit: (packet) => this.radio.transmit(packet), retried: () => this.stats.counters.retried++ },
    );
    this.publisher = new Publisher({
      clientId: config.clientId,
      exchange: this.exchange,
      scheduler,
      stats,
      topics: this.topics,
      logger,
      tWaitSeconds: config.tWaitSeconds,
      qos: () => this.qos,
      transmit: (packet) => this.radio.transmit(packet),
      nextMsgId: () => this.nextMsgId(),
      register: (name, then) => this.session.register(name, then),
      connectionLost: (reason) => this.connectionLost(reason),
      hold: (seconds) => this.hold(seconds),
      next: () => this.pump(),
    });
    this.session = new SessionSetup({
      config,
      exchange: this.exchange,
      scheduler,
      stats,
      topics: this.topics,
      inbox: this.inbox,
      logger,
      state: () => this.state,
      enter: (state) => {
        this.state = state;
      },
      nextMsgId: () => this.nextMsgId(),
      hold: (seconds) => this.hold(seconds),
      backoff: (reason) => this.backoff(reason),
      connectionLost: (reason) => this.connectionLost(reason),
      ready: () => this.goActive(),
    });
    this.reporting = new Reporting(this.reportingHost(), random);
    this.keepAlive = new KeepAlive(this.keepAliveHost());
    this.sleep = new SleepCycle(this.sleepHost());
    this.dispatchHost = this.gatewayMessageHost();
  }

  // ---- the parts' views of the sensor ----

  private reportingHost(): ReportingHost {
    return {
      config: this.config,
      scheduler: this.scheduler,
      battery: this.battery,
      publisher: this.publisher,
      intervalSeconds: () => this.intervalSeconds,
      sleepSeconds: () => this.sleepSeconds,
      qos: () => this.qos,
      stopping: () => this.stopping,
      next: () => this.pump(),
      seconds: () => this.seconds(),
    };
  }

  private keepAliveHost(): KeepAliveHost {
    return {
      keepAliveSeconds: this.config.keepAliveSeconds,
      scheduler: this.scheduler,
      exchange: this.exchange,
      radio: this.radio,
      state: () => this.state,
      qos: () => this.qos,
      next: () => this.pump(),
      connectionLost: (reason) => this.connectionLost(reason),
    };
  }

  private sleepHost(): SleepHost {
    return {
      clientId: this.config.clientId,
      exchange: this.exchange,
      scheduler: this.scheduler,
      battery: this.battery,
      stats: this.stats,
      state: () => this.state,
      enter: (state) => {
        this.state = state;
      },
      sleepSeconds: () => this.sleepSeconds,
      stopping: () => this.stopping,
      advanceStop: () => this.advanceStop(),
      connectionLost: (reason) => this.connectionLost(reason),
      stopKeepAlive: () => this.keepAlive.cancel(),
      untilNextReport: () => this.reporting.msUntilNext(),
      hasWorkOnWake: () => this.sleepSeconds === 0 || this.reporting.due || this.publisher.queued > 0,
      reconnect: () => this.session.connect(true),
      seconds: () => this.seconds(),
    };
  }

  private gatewayMessageHost(): DispatchHost {
    return {
      config: this.config,
      logger: this.logger,
      stats: this.stats,
      exchange: this.exchange,
      inbox: this.inbox,
      topics: this.topics,
      radio: this.radio,
      session: this.session,
      state: () => this.state,
      qos: () => this.qos,
      stopping: () => this.stopping,
      enterStopped: () => this.enterStopped(),
      hold: (seconds) => this.hold(seconds),
      deliver: (topic, payload) => this.deliver(topic, payload),
    };
  }

  get clientId(): string {
    return this.config.clientId;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Current reporting interval and sleep duration (changed by commands). */
  get settings(): { intervalSeconds: number; sleepSeconds: number; qos: number } {
    return { intervalSeconds: this.intervalSeconds, sleepSeconds: this.sleepSeconds, qos: this.qos };
  }

  /** Powers the sensor on after its start offset. */
  start(link: SensorLink): void {
    this.radio.link = link;
    this.scheduler.after(this.config.startDelayMs, () => {
      if (this.stopping) return;
      this.battery.powerOn(this.seconds());
      this.reporting.reportAt(this.scheduler.now());
      this.beginSession();
    });
  }

  /** A datagram from the gateway (already through the simulated radio). */
  receive(data: Buffer, origin: Origin): void {
    if (this.state.kind === 'asleep' || this.state.kind === 'off' || this.state.kind === 'stopped') {
      return; // The radio is off: nothing is heard.
    }
    this.battery.received(data.length);
    const result = decode(data);
    if (!result.ok) {
      this.logger.warn(`${this.clientId}: undecodable message from the gateway: ${result.error.message}`);
      return;
    }
    dispatchFromGateway(result.packet, origin, this.dispatchHost);
  }

  /**
   * Ends the run: no more readings; what is in flight may finish, then a plain DISCONNECT (§6.12)
   * so that the gateway does not publish wills. Resolves when the sensor is stopped or `forceStop` runs.
   */
  stop(): Promise<void> {
    if (this.state.kind === 'stopped') return Promise.resolve();
    this.stopping = true;
    this.reporting.cancel();
    const done = new Promise<void>((resolve) => {
      this.stopResolve = resolve;
    });
    this.advanceStop();
    return done;
  }

  /** Stops at once (the drain deadline passed): what is still in flight counts as lost. */
  forceStop(): void {
    if (this.state.kind === 'stopped') return;
    if (this.exchange.busy && this.exchange.current?.startsWith('PUB')) this.stats.counters.lost++;
    this.exchange.cancel();
    this.enterStopped();
  }

  // ---- session set-up ----

  private beginSession(): void {
    if (this.stopping) {
      this.advanceStop();
      return;
    }
    if (this.qos === -1) {
      // §6.8: no connection, no registration, no subscription: publish and forget.
      this.state = { kind: 'active' };
      this.reporting.schedule();
      return;
    }
    this.session.begin();
  }

  private goActive(): void {
    this.state = { kind: 'active' };
    this.keepAlive.arm();
    if (this.sleepSeconds > 0 && this.reporting.due) this.reporting.takeReading();
    else if (this.sleepSeconds === 0) this.reporting.schedule();
    this.pump();
  }

  /** Decides what the sensor does next whenever nothing is outstanding. */
  private pump(): void {
    if (this.state.kind !== 'active' || this.exchange.busy) return;
    if (this.scheduler.now() < this.holdUntil) {
      if (!this.holdTimer) {
        this.holdTimer = this.scheduler.after(this.holdUntil - this.scheduler.now(), () => {
          this.holdTimer = undefined;
          this.pump();
        });
      }
      return;
    }
    if (this.publisher.sendQueued() === 'busy') return;
    this.checkFinished();
    if (this.stopping) {
      this.advanceStop();
      return;
    }
    if (this.sleepSeconds > 0 && this.qos !== -1) this.sleep.fallAsleep();
  }

  private checkFinished(): void {
    if (this.finished || !this.reporting.countReached || this.publisher.queued > 0 || this.exchange.busy)
      return;
    this.finished = true;
    this.hooks.onFinished?.(this);
  }

  // ---- losing and ending the connection ----

  private connectionLost(reason: string): void {
    this.stats.counters.connectionLosses++;
    this.logger.info(`${this.clientId}: connection lost (${reason}); starting over`);
    this.session.forgetGateway();
    this.backoff(reason);
  }

  private backoff(reason: string): void {
    this.exchange.cancel();
    this.keepAlive.cancel();
    if (this.stopping) {
      this.enterStopped();
      return;
    }
    this.state = { kind: 'backoff', reason };
    const delay = Math.max(RECONNECT_DELAY_MS, this.holdUntil - this.scheduler.now());
    this.scheduler.after(delay, () => {
      if (this.state.kind === 'backoff') this.beginSession();
    });
  }

  private hold(seconds: number): void {
    this.holdUntil = this.scheduler.now() + seconds * 1000;
  }

  private advanceStop(): void {
    if (!this.stopping || this.state.kind === 'stopped' || this.state.kind === 'disconnecting') return;
    const kind = this.state.kind;
    if (kind === 'active' && this.qos === -1) {
      this.enterStopped();
      return;
    }
    if (kind === 'active' || kind === 'asleep') {
      if (this.exchange.busy) return; // let the open exchange finish first; pump() comes back here
      this.disconnect();
      return;
    }
    if (kind === 'off' || kind === 'backoff' || kind === 'searching') {
      this.enterStopped();
      return;
    }
    // connecting, setup, falling-asleep, awake: let them settle; they come back here through
    // pump() or the sleep path, and the fleet's drain deadline bounds the wait (forceStop).
  }

  private disconnect(): void {
    this.sleep.cancelWake();
    this.battery.setState('awake', this.seconds());
    this.state = { kind: 'disconnecting' };
    this.exchange.start({
      what: 'DISCONNECT',
      packet: { type: 'DISCONNECT' },
      matches: (reply) => reply.type === 'DISCONNECT',
      onReply: () => this.enterStopped(),
      onGiveUp: () => this.enterStopped(),
    });
  }

  private enterStopped(): void {
    this.exchange.cancel();
    this.scheduler.cancel(this.holdTimer);
    this.reporting.cancel();
    this.keepAlive.cancel();
    this.sleep.cancelWake();
    this.state = { kind: 'stopped' };
    this.battery.settle(this.seconds());
    const resolve = this.stopResolve;
    this.stopResolve = undefined;
    resolve?.();
  }

  // ---- messages and commands from the gateway ----

  private deliver(topic: string, payload: Buffer): void {
    this.stats.counters.received++;
    this.hooks.onMessage?.(this.clientId, topic, payload);
    if (topic === this.config.commandTopic) this.applyCommands(payload);
  }

  private applyCommands(payload: Buffer): void {
    applyCommandPayload(payload, {
      clientId: this.clientId,
      stats: this.stats,
      logger: this.logger,
      apply: (command) => this.applyCommand(command),
    });
    // A sensor that is awake only to poll now has something to do: it reports after PINGRESP.
    this.pump();
  }

  private applyCommand(command: Command): void {
    switch (command.kind) {
      case 'interval':
        this.intervalSeconds = command.seconds;
        this.reporting.reportAt(this.scheduler.now() + command.seconds * 1000);
        if (this.sleepSeconds === 0) this.reporting.schedule();
        break;
      case 'sleep':
        this.sleepSeconds = command.seconds;
        if (command.seconds === 0 && this.state.kind === 'active') this.reporting.schedule();
        break;
      case 'qos':
        this.qos = command.qos;
        break;
      case 'report':
        this.reporting.reportAt(this.scheduler.now());
        if (this.sleepSeconds === 0) this.reporting.schedule();
        break;
    }
  }

  // ---- ids and time ----

  private nextMsgId(): number {
    this.lastMsgId = (this.lastMsgId % 0xffff) + 1;
    return this.lastMsgId;
  }

  private seconds(): number {
    return this.scheduler.now() / 1000;
  }
}
