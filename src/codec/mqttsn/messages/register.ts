/** Topic registration: REGISTER and REGACK (MQTT-SN §5.4.10, §5.4.11, flows in §6.5, §6.10). */
import {
  badReturnCode,
  badTopicName,
  checkReturnCode,
  checkU16,
  isReturnCode,
  readTopicName,
  utf8Size,
  writeU16,
  wrongSize,
} from '../fields.js';
import { MsgType, type RegackPacket, type RegisterPacket } from '../types.js';
import type { BodyCodec } from './body-codec.js';

/** §5.4.10 Table 14: TopicId(2,3) MsgId(4,5) TopicName(6:n). */
export const register: BodyCodec<RegisterPacket> = {
  decode(buf, start, end) {
    if (end - start < 4) return wrongSize(MsgType.REGISTER, end - start, 'at least 4', '§5.4.10');
    const topicId = buf.readUInt16BE(start);
    const msgId = buf.readUInt16BE(start + 2);
    const topicName = readTopicName(buf, start + 4, end);
    if (topicName === undefined) return badTopicName(MsgType.REGISTER, { msgId, topicId });
    return { ok: true, packet: { type: 'REGISTER', topicId, msgId, topicName } };
  },
  size: (p) => 4 + utf8Size(p.topicName),
  write(p, buf, o) {
    writeU16(buf, o, checkU16('REGISTER', 'TopicId', p.topicId));
    writeU16(buf, o + 2, checkU16('REGISTER', 'MsgId', p.msgId));
    buf.write(p.topicName, o + 4, 'utf8');
  },
};

/** §5.4.11 Table 15: TopicId(2,3) MsgId(4,5) ReturnCode(6). */
export const regack: BodyCodec<RegackPacket> = {
  decode(buf, start, end) {
    if (end - start !== 5) return wrongSize(MsgType.REGACK, end - start, '5', '§5.4.11');
    const topicId = buf.readUInt16BE(start);
    const msgId = buf.readUInt16BE(start + 2);
    const returnCode = buf[start + 4]!;
    if (!isReturnCode(returnCode)) return badReturnCode(MsgType.REGACK, returnCode, { msgId, topicId });
    return { ok: true, packet: { type: 'REGACK', topicId, msgId, returnCode } };
  },
  size: () => 5,
  write(p, buf, o) {
    writeU16(buf, o, checkU16('REGACK', 'TopicId', p.topicId));
    writeU16(buf, o + 2, checkU16('REGACK', 'MsgId', p.msgId));
    buf[o + 4] = checkReturnCode('REGACK', p.returnCode);
  },
};
