/**
 * The client's retransmission procedure (MQTT-SN §6.13): every unicast message that expects a reply
 * is supervised by T_retry and N_retry. A sensor has at most one such exchange open at a time —
 * one REGISTER (§6.5), one QoS 1/2 PUBLISH (§6.6), one SUBSCRIBE (§6.9) — which is also how small
 * firmware is written: a single "waiting for" slot.
 */
import type { MqttSnPacket } from '../src/codec/mqttsn/index.js';
import type { Scheduler, Timer } from './scheduler.js';

export interface ExchangeRequest {
  /** What this exchange is, for logs ("PUBLISH msgId=7"). */
  readonly what: string;
  /** First transmission. */
  readonly packet: MqttSnPacket;
  /** Retransmissions (PUBLISH and SUBSCRIBE set DUP, §5.3.4); defaults to `packet`. */
  readonly retransmit?: MqttSnPacket;
  /** True for the reply that closes the exchange. */
  matches(reply: MqttSnPacket): boolean;
  onReply(reply: MqttSnPacket): void;
  /** N_retry retransmissions went unanswered. */
  onGiveUp(): void;
}

export interface ExchangeHooks {
  transmit(packet: MqttSnPacket): void;
  /** Counted as a retry (the summary's "retried"). */
  retried(): void;
}

export class Exchange {
  private request: ExchangeRequest | undefined;
  private timer: Timer | undefined;
  private retries = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly tRetryMs: () => number,
    private readonly nRetry: () => number,
    private readonly hooks: ExchangeHooks,
  ) {}

  get busy(): boolean {
    return this.request !== undefined;
  }

  get current(): string | undefined {
    return this.request?.what;
  }

  start(request: ExchangeRequest): void {
    this.cancel();
    this.request = request;
    this.retries = 0;
    this.hooks.transmit(request.packet);
    this.arm();
  }

  /** Hands a reply to the open exchange; true if it closed it. */
  offer(reply: MqttSnPacket): boolean {
    const request = this.request;
    if (!request?.matches(reply)) return false;
    this.cancel();
    request.onReply(reply);
    return true;
  }

  /** §6.14: while awake, each message from the gateway other than PINGRESP restarts T_retry. */
  restartTimer(): void {
    if (this.request) this.arm();
  }

  cancel(): void {
    this.scheduler.cancel(this.timer);
    this.timer = undefined;
    this.request = undefined;
  }

  private arm(): void {
    this.scheduler.cancel(this.timer);
    this.timer = this.scheduler.after(this.tRetryMs(), () => this.expired());
  }

  private expired(): void {
    const request = this.request;
    if (!request) return;
    if (this.retries >= this.nRetry()) {
      this.cancel();
      request.onGiveUp();
      return;
    }
    this.retries++;
    this.hooks.retried();
    this.hooks.transmit(request.retransmit ?? request.packet);
    this.arm();
  }
}
