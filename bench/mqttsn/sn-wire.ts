/**
 * The generator's MQTT-SN bytes: packets encoded once with the project's codec, then copied and
 * patched in place (message id, payload stamps) on the hot path; replies read by fixed offsets of
 * the 1-octet length form (MQTT-SN §5.2.1), which every reply the benchmark expects uses.
 */
import { encode, MsgType } from '../../src/codec/mqttsn/index.js';
import type { Qos01 } from './protocol.js';

/** Payload layout, shared with the TCP side: send time (u64 LE), publisher index, sequence. */
export const Stamp = { sentNs: 0, publisher: 8, sequence: 12 } as const;
export const MIN_PAYLOAD = 16;
/** Keeps every PUBLISH in the 1-octet length form (total below 256 octets). */
export const MAX_PAYLOAD = 200;

export function connectPacket(clientId: string, keepAliveSeconds: number): Buffer {
  return encode({ type: 'CONNECT', will: false, cleanSession: true, duration: keepAliveSeconds, clientId });
}

export function registerPacket(topicName: string, msgId: number): Buffer {
  return encode({ type: 'REGISTER', topicId: 0, msgId, topicName });
}

export interface SnPublishTemplate {
  readonly bytes: Buffer;
  readonly msgIdOffset: number;
  readonly payloadOffset: number;
}

/** PUBLISH (MQTT-SN §5.4.12): Length, MsgType, Flags, TopicId(2), MsgId(2), Data. */
export function publishTemplate(topicId: number, qos: Qos01, payloadSize: number): SnPublishTemplate {
  const payload = Buffer.alloc(Math.min(Math.max(payloadSize, MIN_PAYLOAD), MAX_PAYLOAD), 0x61);
  const bytes = encode({
    type: 'PUBLISH',
    dup: false,
    qos,
    retain: false,
    topic: { type: 'normal', id: topicId },
    msgId: qos === 0 ? 0 : 1,
    payload,
  });
  if (bytes[0] !== bytes.length) throw new RangeError('PUBLISH template is not in the 1-octet length form');
  return { bytes, msgIdOffset: 5, payloadOffset: 7 };
}

/** A copy of the template with its message id and payload stamps filled in. */
export function stampPublish(
  template: SnPublishTemplate,
  msgId: number,
  publisher: number,
  sequence: number,
): Buffer {
  const out = Buffer.allocUnsafe(template.bytes.length);
  template.bytes.copy(out);
  out.writeUInt16BE(msgId, template.msgIdOffset);
  const at = template.payloadOffset;
  out.writeBigUInt64LE(process.hrtime.bigint(), at + Stamp.sentNs);
  out.writeUInt32LE(publisher, at + Stamp.publisher);
  out.writeUInt32LE(sequence, at + Stamp.sequence);
  return out;
}

/** MsgType of a reply in the 1-octet length form, or -1. */
export function replyType(data: Buffer): number {
  return data.length >= 2 && data[0] !== 0x01 ? (data[1] ?? -1) : -1;
}

/** CONNACK: Length, MsgType, ReturnCode. */
export function connackReturnCode(data: Buffer): number {
  return data[2] ?? -1;
}

/** REGACK / PUBACK: Length, MsgType, TopicId(2), MsgId(2), ReturnCode. */
export function ackFields(data: Buffer): { topicId: number; msgId: number; returnCode: number } {
  return { topicId: data.readUInt16BE(2), msgId: data.readUInt16BE(4), returnCode: data[6] ?? -1 };
}

export const SN = {
  CONNACK: MsgType.CONNACK,
  REGACK: MsgType.REGACK,
  PUBACK: MsgType.PUBACK,
  ENCAPSULATED: MsgType.ENCAPSULATED,
} as const;

/**
 * Forwarder encapsulation (MQTT-SN §5.5) around an inner message: Length(=5), 0xFE, Ctrl, and a
 * 2-octet Wireless Node Id (the form Wireshark's dissector reads without complaint).
 */
export function encapsulate(nodeId: number, inner: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + inner.length);
  out[0] = 5;
  out[1] = MsgType.ENCAPSULATED;
  out[2] = 0;
  out.writeUInt16BE(nodeId, 3);
  inner.copy(out, 5);
  return out;
}

/** The node id and inner message of an encapsulated reply, or null if it is not one. */
export function unwrap(data: Buffer): { nodeId: number; inner: Buffer } | null {
  if (data.length < 7 || data[1] !== MsgType.ENCAPSULATED || data[0] !== 5) return null;
  return { nodeId: data.readUInt16BE(3), inner: data.subarray(5) };
}
