/** PUBLISH and its acknowledgements (MQTT-SN §5.4.12-§5.4.14, flows in §6.6-§6.8). */
import { EncodeError, fail } from '../errors.js';
import {
  badReturnCode,
  checkReturnCode,
  checkU16,
  copyBytes,
  isReturnCode,
  writeU16,
  wrongSize,
} from '../fields.js';
import { encodeFlags, FLAG_DUP, FLAG_RETAIN, qosOfFlags, topicIdTypeOfFlags } from '../flags.js';
import { MsgType, type PubackPacket, type PublishPacket, type PublishTopic } from '../types.js';
import type { BodyCodec } from './body-codec.js';
import { msgIdOnly } from './shapes.js';
import { readShortName, writeTopicIdField } from './topic-field.js';

/**
 * §5.4.12 Table 16: Flags(2) TopicId(3,4) MsgId(5,6) Data(7:n). Flags: DUP, QoS (0b11 = −1), Retain,
 * TopicIdType (0b11 reserved → 'invalid-field', with msgId and topicId so the gateway can answer).
 */
export const publish: BodyCodec<PublishPacket> = {
  decode(buf, start, end) {
    if (end - start < 5) return wrongSize(MsgType.PUBLISH, end - start, 'at least 5', '§5.4.12');
    const flags = buf[start]!;
    const topicId = buf.readUInt16BE(start + 1);
    const msgId = buf.readUInt16BE(start + 3);
    const topicIdType = topicIdTypeOfFlags(flags);
    const context = { msgType: MsgType.PUBLISH, msgId, topicId };
    let topic: PublishTopic;
    if (topicIdType === undefined) {
      return fail('invalid-field', 'PUBLISH: TopicIdType 0b11 is reserved (MQTT-SN §5.3.4)', context);
    } else if (topicIdType === 'short') {
      const name = readShortName(buf, start + 1);
      if (name === undefined) {
        return fail(
          'invalid-utf8',
          'PUBLISH: short topic name is not UTF-8 or contains U+0000 (MQTT-SN §6.7)',
          context,
        );
      }
      topic = { type: 'short', name };
    } else {
      topic = { type: topicIdType, id: topicId };
    }
    return {
      ok: true,
      packet: {
        type: 'PUBLISH',
        dup: (flags & FLAG_DUP) !== 0,
        qos: qosOfFlags(flags),
        retain: (flags & FLAG_RETAIN) !== 0,
        topic,
        msgId,
        payload: copyBytes(buf, start + 5, end),
      },
    };
  },
  size: (p) => 5 + p.payload.length,
  write(p, buf, o) {
    if (p.qos !== -1 && p.qos !== 0 && p.qos !== 1 && p.qos !== 2) {
      throw new EncodeError('PUBLISH', `QoS ${String(p.qos)} is not −1, 0, 1 or 2`);
    }
    buf[o] = encodeFlags({ dup: p.dup, qos: p.qos, retain: p.retain, topicIdType: p.topic.type });
    writeTopicIdField('PUBLISH', p.topic, buf, o + 1);
    writeU16(buf, o + 3, checkU16('PUBLISH', 'MsgId', p.msgId));
    p.payload.copy(buf, o + 5);
  },
};

/** §5.4.13 Table 17: TopicId(2,3) MsgId(4,5) ReturnCode(6). */
export const puback: BodyCodec<PubackPacket> = {
  decode(buf, start, end) {
    if (end - start !== 5) return wrongSize(MsgType.PUBACK, end - start, '5', '§5.4.13');
    const topicId = buf.readUInt16BE(start);
    const msgId = buf.readUInt16BE(start + 2);
    const returnCode = buf[start + 4]!;
    if (!isReturnCode(returnCode)) return badReturnCode(MsgType.PUBACK, returnCode, { msgId, topicId });
    return { ok: true, packet: { type: 'PUBACK', topicId, msgId, returnCode } };
  },
  size: () => 5,
  write(p, buf, o) {
    writeU16(buf, o, checkU16('PUBACK', 'TopicId', p.topicId));
    writeU16(buf, o + 2, checkU16('PUBACK', 'MsgId', p.msgId));
    buf[o + 4] = checkReturnCode('PUBACK', p.returnCode);
  },
};

/** §5.4.14 Table 18: MsgId(2,3). */
export const pubrec = msgIdOnly('PUBREC', '§5.4.14');
export const pubrel = msgIdOnly('PUBREL', '§5.4.14');
export const pubcomp = msgIdOnly('PUBCOMP', '§5.4.14');
