/**
 * Layouts shared by several message types: header only, ReturnCode only, MsgId only, opaque bytes,
 * and the Flags + WillTopic layout of WILLTOPIC and WILLTOPICUPD.
 */
import { fail } from '../errors.js';
import {
  badReturnCode,
  badUtf8,
  checkQoSLevel,
  checkReturnCode,
  checkU16,
  copyBytes,
  isReturnCode,
  readUtf8,
  utf8Size,
  writeU16,
  wrongSize,
} from '../fields.js';
import { encodeFlags, FLAG_RETAIN, qosOfFlags } from '../flags.js';
import { MsgType, type PacketOf, type ReturnCode, type WillTopicFields } from '../types.js';
import type { BodyCodec } from './body-codec.js';

type HeaderOnlyType = 'WILLTOPICREQ' | 'WILLMSGREQ' | 'PINGRESP';
type ReturnCodeOnlyType = 'CONNACK' | 'WILLTOPICRESP' | 'WILLMSGRESP';
type MsgIdOnlyType = 'PUBREC' | 'PUBREL' | 'PUBCOMP' | 'UNSUBACK';
type WillMsgType = 'WILLMSG' | 'WILLMSGUPD';
type WillTopicType = 'WILLTOPIC' | 'WILLTOPICUPD';

/** Length and MsgType only, no variable part (e.g. §5.4.6 Table 11, §5.4.20 Table 23). */
export function headerOnly<T extends HeaderOnlyType>(type: T, section: string): BodyCodec<PacketOf<T>> {
  const packet = { type } as PacketOf<T>;
  return {
    decode(_buf, start, end) {
      if (end !== start) return wrongSize(MsgType[type], end - start, '0', section);
      return { ok: true, packet: { ...packet } };
    },
    size: () => 0,
    write() {},
  };
}

/** ReturnCode(2) only (§5.4.5 Table 10, §5.4.24/§5.4.25 Table 27). */
export function returnCodeOnly<T extends ReturnCodeOnlyType>(
  type: T,
  section: string,
): BodyCodec<{ type: T; returnCode: ReturnCode }> {
  const code = MsgType[type];
  return {
    decode(buf, start, end) {
      if (end - start !== 1) return wrongSize(code, end - start, '1', section);
      const returnCode = buf[start]!;
      if (!isReturnCode(returnCode)) return badReturnCode(code, returnCode);
      return { ok: true, packet: { type, returnCode } as PacketOf<T> };
    },
    size: () => 1,
    write(p, buf, o) {
      buf[o] = checkReturnCode(type, p.returnCode);
    },
  };
}

/** MsgId(2,3) only (§5.4.14 Table 18, §5.4.18 Table 21). */
export function msgIdOnly<T extends MsgIdOnlyType>(
  type: T,
  section: string,
): BodyCodec<{ type: T; msgId: number }> {
  const code = MsgType[type];
  return {
    decode(buf, start, end) {
      if (end - start !== 2) return wrongSize(code, end - start, '2', section);
      return { ok: true, packet: { type, msgId: buf.readUInt16BE(start) } as PacketOf<T> };
    },
    size: () => 2,
    write(p, buf, o) {
      writeU16(buf, o, checkU16(type, 'MsgId', p.msgId));
    },
  };
}

/** WillMsg(2:n), opaque octets (§5.4.9 Table 13, §5.4.23 Table 26). May be empty. */
export function willMsgBytes<T extends WillMsgType>(type: T): BodyCodec<{ type: T; willMsg: Buffer }> {
  return {
    decode(buf, start, end) {
      return { ok: true, packet: { type, willMsg: copyBytes(buf, start, end) } as PacketOf<T> };
    },
    size: (p) => p.willMsg.length,
    write(p, buf, o) {
      p.willMsg.copy(buf, o);
    },
  };
}

/**
 * Flags(2) WillTopic(3:n), or nothing at all: the empty, exactly 2-octet message deletes the will
 * (§5.4.7 Table 12, §5.4.22 Table 25). Flags carry the will QoS and retain; QoS 0b11 (−1) is not a
 * will QoS and is rejected. A 3-octet message (Flags, empty topic) is not the empty form: it decodes
 * with topic '' and the gateway decides.
 */
export function willTopic<T extends WillTopicType>(
  type: T,
  section: string,
): BodyCodec<{ type: T; will: WillTopicFields | null }> {
  const code = MsgType[type];
  return {
    decode(buf, start, end) {
      if (end === start) return { ok: true, packet: { type, will: null } as PacketOf<T> };
      const flags = buf[start]!;
      const qos = qosOfFlags(flags);
      if (qos === -1) {
        return fail(
          'invalid-field',
          `${type}: will QoS 0b11 (−1) is only valid in PUBLISH (MQTT-SN §5.3.4, ${section})`,
          {
            msgType: code,
          },
        );
      }
      const topic = readUtf8(buf, start + 1, end);
      if (topic === undefined) return badUtf8(code, 'WillTopic');
      const will = { qos, retain: (flags & FLAG_RETAIN) !== 0, topic };
      return { ok: true, packet: { type, will } as PacketOf<T> };
    },
    size: (p) => (p.will === null ? 0 : 1 + utf8Size(p.will.topic)),
    write(p, buf, o) {
      if (p.will === null) return;
      buf[o] = encodeFlags({ qos: checkQoSLevel(type, p.will.qos), retain: p.will.retain });
      buf.write(p.will.topic, o + 1, 'utf8');
    },
  };
}
