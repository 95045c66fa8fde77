/**
 * The Flags octet, MQTT-SN §5.3.4 Table 4:
 *   DUP (bit 7) | QoS (bits 6,5) | Retain (4) | Will (3) | CleanSession (2) | TopicIdType (1,0)
 * QoS 0b11 means QoS −1 (§6.8); TopicIdType 0b11 is reserved.
 */
import type { Flags, PublishQoS, TopicIdType } from './types.js';

export const FLAG_DUP = 0x80;
export const FLAG_RETAIN = 0x10;
export const FLAG_WILL = 0x08;
export const FLAG_CLEAN_SESSION = 0x04;
const QOS_SHIFT = 5;
const QOS_BITS = 0x03;
const TOPIC_ID_TYPE_BITS = 0x03;
/** TopicIdType 0b11, reserved (§5.3.4). */
export const TOPIC_ID_TYPE_RESERVED = 0x03;

const TOPIC_ID_TYPES: readonly TopicIdType[] = ['normal', 'predefined', 'short'];
const QOS_BY_BITS: readonly PublishQoS[] = [0, 1, 2, -1];

/** The QoS bits of a Flags octet as a QoS level; 0b11 is −1. */
export function qosOfFlags(octet: number): PublishQoS {
  return QOS_BY_BITS[(octet >> QOS_SHIFT) & QOS_BITS]!;
}

/** The QoS bits for a QoS level, shifted into place. */
export function qosBits(qos: PublishQoS): number {
  return (qos === -1 ? 0b11 : qos) << QOS_SHIFT;
}

/** The TopicIdType of a Flags octet, or undefined for the reserved 0b11. */
export function topicIdTypeOfFlags(octet: number): TopicIdType | undefined {
  return TOPIC_ID_TYPES[octet & TOPIC_ID_TYPE_BITS];
}

export function topicIdTypeBits(type: TopicIdType): number {
  return type === 'normal' ? 0b00 : type === 'predefined' ? 0b01 : 0b10;
}

/** All flags of an octet; undefined only when TopicIdType is the reserved 0b11. */
export function decodeFlags(octet: number): Flags | undefined {
  const topicIdType = topicIdTypeOfFlags(octet);
  if (topicIdType === undefined) return undefined;
  return {
    dup: (octet & FLAG_DUP) !== 0,
    qos: qosOfFlags(octet),
    retain: (octet & FLAG_RETAIN) !== 0,
    will: (octet & FLAG_WILL) !== 0,
    cleanSession: (octet & FLAG_CLEAN_SESSION) !== 0,
    topicIdType,
  };
}

/** The Flags octet for the given flags; missing ones are 0 (how "not used" bits are sent). */
export function encodeFlags(flags: Partial<Flags>): number {
  return (
    (flags.dup ? FLAG_DUP : 0) |
    qosBits(flags.qos ?? 0) |
    (flags.retain ? FLAG_RETAIN : 0) |
    (flags.will ? FLAG_WILL : 0) |
    (flags.cleanSession ? FLAG_CLEAN_SESSION : 0) |
    topicIdTypeBits(flags.topicIdType ?? 'normal')
  );
}
