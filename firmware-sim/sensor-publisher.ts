/**
 * A sensor's outbox and its client publish procedure (MQTT-SN §6.6): QoS −1/0 fire and forget;
 * QoS 1 PUBLISH → PUBACK; QoS 2 PUBLISH → PUBREC, PUBREL → PUBCOMP; one QoS 1/2 message at a time,
 * retransmitted with DUP by the exchange (§6.13). A PUBACK "invalid topic id" makes the sensor
 * register the name again; "congestion" holds publishing for T_WAIT.
 */
import {
  type MqttSnPacket,
  type PublishPacket,
  type PublishQoS,
  type PublishTopic,
  ReturnCode,
  topicIdFieldValue,
} from '../src/codec/mqttsn/index.js';
import type { Logger } from '../src/observe/logger.js';
import type { Exchange } from './exchange.js';
import type { Scheduler } from './scheduler.js';
import type { Outgoing } from './sensor-state.js';
import type { PublishTopics } from './sensor-topics.js';
import type { GroupStats } from './stats.js';

/** Readings kept while the sensor cannot send (not connected, waiting for an ack); older ones are dropped. */
export const OUTBOX_CAPACITY = 16;

/** What the publisher needs from its sensor. */
export interface PublisherHost {
  readonly clientId: string;
  readonly exchange: Exchange;
  readonly scheduler: Scheduler;
  readonly stats: GroupStats;
  readonly topics: PublishTopics;
  readonly logger: Logger;
  readonly tWaitSeconds: number;
  qos(): PublishQoS;
  transmit(packet: MqttSnPacket): void;
  nextMsgId(): number;
  /** REGISTER `name` (§6.5), then call `then`. */
  register(name: string, then: () => void): void;
  connectionLost(reason: string): void;
  hold(seconds: number): void;
  /** An exchange ended: the sensor decides what comes next. */
  next(): void;
}

export class Publisher {
  private readonly outbox: Outgoing[] = [];

  constructor(private readonly host: PublisherHost) {}

  get queued(): number {
    return this.outbox.length;
  }

  enqueue(item: Outgoing): void {
    if (this.outbox.length >= OUTBOX_CAPACITY) {
      this.outbox.shift();
      this.host.stats.counters.lost++;
    }
    this.outbox.push(item);
  }

  /**
   * Sends what can go now. 'busy': an exchange was opened (a REGISTER, or a QoS 1/2 PUBLISH) and
   * `host.next()` will be called when it ends; 'empty': nothing is left to send.
   */
  sendQueued(): 'busy' | 'empty' {
    const host = this.host;
    while (this.outbox.length > 0) {
      const item = this.outbox[0]!;
      const topic = host.topics.topicFor(item);
      if (topic === undefined) {
        const name = host.topics.nameFor(item);
        if (name === undefined) {
          this.outbox.shift(); // e.g. a battery level of a QoS −1 sensor: nowhere to go
          continue;
        }
        host.register(name, () => host.next());
        return 'busy';
      }
      this.outbox.shift();
      if (host.qos() <= 0) {
        this.fireAndForget(item, topic);
        continue;
      }
      this.publishAcknowledged(item, topic);
      return 'busy';
    }
    return 'empty';
  }

  private fireAndForget(item: Outgoing, topic: PublishTopic): void {
    const host = this.host;
    host.stats.counters.sent++;
    host.transmit({
      type: 'PUBLISH',
      dup: false,
      qos: host.qos(),
      retain: false,
      topic,
      msgId: 0,
      payload: item.payload,
    });
  }

  private publishAcknowledged(item: Outgoing, topic: PublishTopic): void {
    const host = this.host;
    const msgId = host.nextMsgId();
    const qos = host.qos();
    const packet: PublishPacket = {
      type: 'PUBLISH',
      dup: false,
      qos,
      retain: false,
      topic,
      msgId,
      payload: item.payload,
    };
    const sentAt = host.scheduler.now();
    host.stats.counters.sent++;
    const topicField = topicIdFieldValue(topic);
    host.exchange.start({
      what: `PUBLISH msgId=${msgId}`,
      packet,
      retransmit: { ...packet, dup: true },
      matches: (reply) =>
        (reply.type === 'PUBACK' &&
          (reply.msgId === msgId || (reply.msgId === 0 && reply.topicId === topicField))) ||
        (qos === 2 && reply.type === 'PUBREC' && reply.msgId === msgId),
      onReply: (reply) => {
        if (reply.type === 'PUBREC') this.release(msgId, sentAt);
        else if (reply.type === 'PUBACK') this.onPuback(reply.returnCode, item, topic, sentAt);
      },
      onGiveUp: () => {
        host.stats.counters.lost++;
        host.connectionLost(`no ${qos === 1 ? 'PUBACK' : 'PUBREC'} for msgId ${msgId}`);
      },
    });
  }

  private onPuback(returnCode: number, item: Outgoing, topic: PublishTopic, sentAt: number): void {
    const host = this.host;
    if (returnCode === ReturnCode.ACCEPTED) {
      this.acknowledged(sentAt);
    } else if (returnCode === ReturnCode.INVALID_TOPIC_ID && topic.type === 'normal') {
      // §6.6: register the topic name again, then publish the message again.
      const name = host.topics.nameFor(item);
      if (name !== undefined) host.topics.forgetName(name);
      this.retryLater(item);
    } else if (returnCode === ReturnCode.CONGESTION) {
      // §6.6: stop publishing for T_WAIT, then try the same message again.
      this.retryLater(item);
      host.hold(host.tWaitSeconds);
    } else {
      host.stats.counters.rejected++;
      host.logger.warn(`${host.clientId}: PUBLISH rejected (return code ${returnCode})`);
    }
    host.next();
  }

  private retryLater(item: Outgoing): void {
    this.outbox.unshift(item);
    this.host.stats.counters.sent--; // counted again when it is sent again
  }

  private release(msgId: number, sentAt: number): void {
    const host = this.host;
    host.exchange.start({
      what: `PUBREL msgId=${msgId}`,
      packet: { type: 'PUBREL', msgId },
      matches: (reply) => reply.type === 'PUBCOMP' && reply.msgId === msgId,
      onReply: () => {
        this.acknowledged(sentAt);
        host.next();
      },
      onGiveUp: () => {
        host.stats.counters.lost++;
        host.connectionLost(`no PUBCOMP for msgId ${msgId}`);
      },
    });
  }

  private acknowledged(sentAt: number): void {
    this.host.stats.counters.acknowledged++;
    this.host.stats.latenciesMs.push(this.host.scheduler.now() - sentAt);
  }
}
