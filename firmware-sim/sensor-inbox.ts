/**
 * What a sensor does with messages the gateway sends it on its own (MQTT-SN §6.10, §6.11): PUBLISH
 * (acknowledged at its QoS, duplicates recognised), the second half of a QoS 2 delivery, REGISTER
 * from the gateway, and its PINGREQ. It keeps the topic ids the gateway gave us (SUBACK, REGISTER).
 */
import {
  type MqttSnPacket,
  type PublishPacket,
  type RegisterPacket,
  ReturnCode,
  topicIdFieldValue,
} from '../src/codec/mqttsn/index.js';
import { RecentIds } from './sensor-state.js';

export type InboundResult =
  | { readonly kind: 'deliver'; readonly topic: string; readonly payload: Buffer }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'unknown-topic' };

export class Inbox {
  /** Topic ids from SUBACK and from the gateway's REGISTER, for incoming PUBLISH. */
  private readonly topics = new Map<number, string>();
  private readonly qos2Awaiting = new Set<number>();
  private readonly qos1Recent = new RecentIds(32);

  constructor(private readonly transmit: (packet: MqttSnPacket) => void) {}

  learn(topicId: number, name: string): void {
    this.topics.set(topicId, name);
  }

  /** A new session (§6.3): the gateway's ids for us start afresh. */
  forget(): void {
    this.topics.clear();
    this.qos2Awaiting.clear();
  }

  onPublish(packet: PublishPacket): InboundResult {
    const topic = this.topicName(packet);
    if (topic === undefined) {
      // §6.10: unknown topic id → PUBACK "invalid topic id", so the gateway corrects it.
      this.transmit({
        type: 'PUBACK',
        topicId: topicIdFieldValue(packet.topic),
        msgId: packet.msgId,
        returnCode: ReturnCode.INVALID_TOPIC_ID,
      });
      return { kind: 'unknown-topic' };
    }
    let again = false;
    if (packet.qos === 2) {
      // Delivered now; PUBREC until the PUBREL, which ends it.
      again = this.qos2Awaiting.has(packet.msgId);
      this.qos2Awaiting.add(packet.msgId);
      this.transmit({ type: 'PUBREC', msgId: packet.msgId });
    } else if (packet.qos === 1) {
      again = packet.dup && this.qos1Recent.has(packet.msgId);
      this.qos1Recent.add(packet.msgId);
      const topicId = topicIdFieldValue(packet.topic);
      this.transmit({ type: 'PUBACK', topicId, msgId: packet.msgId, returnCode: ReturnCode.ACCEPTED });
    }
    return again ? { kind: 'duplicate' } : { kind: 'deliver', topic, payload: packet.payload };
  }

  onPubrel(msgId: number): void {
    this.qos2Awaiting.delete(msgId);
    this.transmit({ type: 'PUBCOMP', msgId });
  }

  /** §6.10: the gateway names a topic id before publishing on it (wildcards, resumed sessions). */
  onRegister(packet: RegisterPacket): void {
    this.topics.set(packet.topicId, packet.topicName);
    this.transmit({
      type: 'REGACK',
      topicId: packet.topicId,
      msgId: packet.msgId,
      returnCode: ReturnCode.ACCEPTED,
    });
  }

  private topicName(packet: PublishPacket): string | undefined {
    const topic = packet.topic;
    if (topic.type === 'short') return topic.name;
    if (topic.type === 'predefined') return `predefined:${topic.id}`;
    return this.topics.get(topic.id);
  }
}
