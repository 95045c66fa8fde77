/**
 * One MQTT-SN client: its address, §6.14 state, topic table, will and outbound flow.
 * Plain data; the handlers, sleep.ts, outbound.ts and lifecycle.ts change it.
 */
import type { ClientLink, Delivery, Will } from '../broker/types.js';
import type { PublishPacket } from '../codec/mqttsn/index.js';
import { printable } from '../observe/printable.js';
import type { ClientState } from './client-state.js';
import type { GatewayContext } from './context.js';
import type { Endpoint } from './forwarder.js';
import type { TopicRegistry } from './topic-registry.js';

/** Something queued for sending to the client, in order (§6.10: REGISTER goes before its PUBLISH). */
export type OutboundItem =
  | {
      kind: 'publish';
      delivery: Delivery;
      reregistered: boolean;
      /** The PUBLISH went on the air at least once (so a later re-send of it is a real one). */
      sent: boolean;
    }
  | { kind: 'pubrel'; packetId: number };

/** The one REGISTER / QoS≥1 PUBLISH / PUBREL the client has not yet answered (§6.5, §6.6). */
export type Outstanding =
  | { kind: 'regack'; msgId: number; topicId: number; topicName: string }
  | { kind: 'puback' | 'pubrec'; msgId: number; packet: PublishPacket }
  /** PUBREC received; the PUBREL waits until the core's 'released' state is durable (MQTT §4.3.3). */
  | { kind: 'releasing'; msgId: number }
  | { kind: 'pubcomp'; msgId: number };

export interface RetryState {
  timer: NodeJS.Timeout;
  /** Re-sends done so far. */
  count: number;
  resend: () => void;
  /** What T_retry's expiry does (re-send, or give up after N_retry); retransmit.ts retryNow. */
  due: () => void;
}

export class SnClient {
  state: ClientState = { kind: 'disconnected' };
  endpoint: Endpoint | undefined;
  /** The link the core currently talks to; calls from any older link are ignored. */
  link: ClientLink | undefined;
  /** The will as last given to the core (§6.3: kept across CleanSession=0, Will=0 CONNECTs). */
  will: Will | undefined;
  cleanSession = true;
  /** The store holds gateway state for this client (so a clean client only costs a delete if so). */
  stateSaved = false;
  /** From the admission check (options.security): the user whose ACL applies to this client. */
  username: string | undefined;
  /** Epoch ms of the last datagram from the client (keep-alive and sleep supervision). */
  lastHeard = 0;
  /** Keep-alive or sleep limit in ms, tolerance included; 0 = not supervised (supervision.ts). */
  supervisionMs = 0;
  supervisionSlot: number | undefined;
  supervisionExpire: ((ctx: GatewayContext, client: SnClient) => void) | undefined;
  retry: RetryState | undefined;
  readonly queue: OutboundItem[] = [];
  outstanding: Outstanding | undefined;
  /** Deliveries still to drop at this wake-up, beyond sleepBufferSize (§6.14). */
  skipDeliveries = 0;
  /**
   * Packet ids of QoS≥1 deliveries the core handed over that never went on the air (dropped from
   * the gateway's queue when the link went away, or held past a wake-up's backlog). The core
   * re-sends them with DUP=1, but to the client they are first transmissions: DUP is set only on
   * re-sends (MQTT-SN §5.3.4, [MQTT-3.3.1-1]). Saved with the gateway state.
   */
  readonly untransmitted = new Set<number>();
  private msgIdCounter = 0;

  constructor(
    readonly clientId: string,
    readonly topics: TopicRegistry,
  ) {}

  /** MsgId for gateway-initiated REGISTERs and will prompts: 1..65535. */
  nextMsgId(): number {
    this.msgIdCounter = this.msgIdCounter >= 0xffff ? 1 : this.msgIdCounter + 1;
    return this.msgIdCounter;
  }

  get peer(): string {
    return this.endpoint?.key ?? 'no address';
  }

  /**
   * "ClientId (address)" for a log line. The ClientId is any UTF-8 the peer chose (MQTT-SN §5.3.1):
   * its control characters are escaped, or a "\n" in it would write a log line of its own.
   */
  get logName(): string {
    return `${printable(this.clientId)} (${this.peer})`;
  }
}
