/** v5 topic aliases, one table per direction per connection (MQTT 5 §3.3.2.3.4). */
import { ReasonCode } from '../broker/types.js';
import { MqttProtocolError } from './errors.js';

/** Aliases the client sets on its PUBLISHes, 1..maximum (the maximum we announced in CONNACK). */
export class InboundTopicAliases {
  private readonly topics: Array<string | undefined> = [];

  constructor(private readonly maximum: number) {}

  /**
   * Topic of a PUBLISH carrying `alias`: a non-empty topic (already validated) sets the alias,
   * an empty one uses it.
   */
  resolve(topic: string, alias: number): string {
    if (alias === 0) {
      // [MQTT-3.3.2-8]; mosquitto 2.0.11 answers 0x81 Malformed Packet, and so do we.
      throw new MqttProtocolError(ReasonCode.MalformedPacket, 'topic alias 0 [MQTT-3.3.2-8]');
    }
    if (alias > this.maximum) {
      throw new MqttProtocolError(
        ReasonCode.TopicAliasInvalid,
        `topic alias ${alias} above the maximum [MQTT-3.3.2-9]`,
      );
    }
    if (topic.length > 0) {
      this.topics[alias] = topic;
      return topic;
    }
    const known = this.topics[alias];
    if (known === undefined) {
      throw new MqttProtocolError(ReasonCode.ProtocolError, `topic alias ${alias} used before it was set`);
    }
    return known;
  }
}

/** Aliases we assign on deliveries, up to the client's Topic Alias Maximum [MQTT-3.3.2-11]. */
export class OutboundTopicAliases {
  private readonly aliases = new Map<string, number>();

  constructor(private readonly maximum: number) {}

  /** Alias already sent with this topic, or 0. */
  known(topic: string): number {
    return this.aliases.get(topic) ?? 0;
  }

  /** A new alias for `topic`, or 0 when all are taken (the topic is then sent in full). */
  assign(topic: string): number {
    if (this.aliases.size >= this.maximum) return 0;
    const alias = this.aliases.size + 1;
    this.aliases.set(topic, alias);
    return alias;
  }
}
