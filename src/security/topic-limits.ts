/**
 * max_topic_length and max_topic_levels (gateway.conf), for topic names and filters from any
 * front end. A topic over a limit is refused like an invalid one: MQTT 5 reason 0x90 (name) /
 * 0x8F (filter), SUBACK 0x80 on 3.1.1, MQTT-SN return code 0x03.
 */
export interface TopicLimits {
  /** UTF-8 bytes. */
  maxTopicLength: number;
  /** 0 = unlimited. */
  maxTopicLevels: number;
}

/** The longest topic MQTT can carry (a 2-octet length, [MQTT-1.5.3]): max_topic_length at it limits nothing. */
const MQTT_MAX_TOPIC_LENGTH = 65_535;

/** Whether any topic can be over these limits (false at the defaults: no check needed). */
export function hasTopicLimits(limits: TopicLimits): boolean {
  return limits.maxTopicLength < MQTT_MAX_TOPIC_LENGTH || limits.maxTopicLevels > 0;
}

/** Why the topic is over a limit, or undefined when it is within them. */
export function topicLimitViolation(topic: string, limits: TopicLimits): string | undefined {
  const bytes = Buffer.byteLength(topic, 'utf8');
  if (bytes > limits.maxTopicLength) {
    return `topic of ${bytes} bytes exceeds max_topic_length ${limits.maxTopicLength}`;
  }
  if (limits.maxTopicLevels > 0) {
    let count = 1;
    for (let i = topic.indexOf('/'); i >= 0; i = topic.indexOf('/', i + 1)) count++;
    if (count > limits.maxTopicLevels) {
      return `topic of ${count} levels exceeds max_topic_levels ${limits.maxTopicLevels}`;
    }
  }
  return undefined;
}
