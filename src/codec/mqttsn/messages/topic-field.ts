/**
 * The 2-octet TopicId field when it carries a topic id or a short topic name (MQTT-SN §5.3.11,
 * §6.7): a short name is two octets of UTF-8 ("ab", or one 2-octet character such as "é").
 */
import { EncodeError } from '../errors.js';
import { checkU16, readTopicName, writeU16 } from '../fields.js';
import type { MsgTypeName, PredefinedTopic, PublishTopic, ShortTopic, SubscribeTopic } from '../types.js';

/** Reads a short topic name from `buf[offset, offset+2)`; undefined if not valid UTF-8 or U+0000. */
export function readShortName(buf: Buffer, offset: number): string | undefined {
  return readTopicName(buf, offset, offset + 2);
}

/** Writes a topic id or short name into the 2-octet TopicId field. */
export function writeTopicIdField(
  type: MsgTypeName,
  topic: PublishTopic | PredefinedTopic | ShortTopic,
  buf: Buffer,
  offset: number,
): void {
  if (topic.type === 'short') {
    if (Buffer.byteLength(topic.name, 'utf8') !== 2) {
      throw new EncodeError(type, `short topic name ${JSON.stringify(topic.name)} is not 2 octets of UTF-8`);
    }
    buf.write(topic.name, offset, 'utf8');
    return;
  }
  writeU16(buf, offset, checkU16(type, 'TopicId', topic.id));
}

/**
 * The 16-bit value of the TopicId field for a topic: what a PUBACK must echo (§5.4.13) when the
 * PUBLISH carried a short name. Throws EncodeError for a short name that is not 2 octets.
 */
export function topicIdFieldValue(topic: PublishTopic | SubscribeTopic): number {
  if (topic.type === 'name') throw new EncodeError('PUBACK', 'a topic name has no TopicId field value');
  if (topic.type !== 'short') return topic.id;
  const octets = Buffer.from(topic.name, 'utf8');
  if (octets.length !== 2) {
    throw new EncodeError(
      'PUBACK',
      `short topic name ${JSON.stringify(topic.name)} is not 2 octets of UTF-8`,
    );
  }
  return octets.readUInt16BE(0);
}
