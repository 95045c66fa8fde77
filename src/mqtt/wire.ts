/**
 * Byte-level pieces the front end needs before (or instead of) mqtt-packet: the fixed header,
 * checked by us so a huge announced length reserves no memory, and the PUBLISH fast path
 * (encode, size), which avoids mqtt-packet's per-packet stream objects on the hot path.
 * Pure functions: no sockets, no state.
 */
import { isUtf8 } from 'node:buffer';

export const PacketType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
  AUTH: 15,
} as const;

/** readFixedHeader: more bytes are needed to know the remaining length. */
export const HEADER_INCOMPLETE = -1;
/** readFixedHeader: the remaining length runs over 4 bytes [MQTT-1.5.5] — a malformed packet. */
export const HEADER_MALFORMED = -2;

/**
 * Reads the remaining length of the packet whose first byte is at `offset`. Returns the length
 * of the fixed header (2..5) and puts the remaining length in `out.remainingLength`, or one of
 * HEADER_INCOMPLETE / HEADER_MALFORMED.
 */
export function readFixedHeader(buf: Buffer, offset: number, out: { remainingLength: number }): number {
  let value = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4; i++) {
    const at = offset + i;
    if (at >= buf.length) return HEADER_INCOMPLETE;
    const byte = buf[at]!;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) {
      out.remainingLength = value;
      return i + 1;
    }
    multiplier *= 128;
  }
  return HEADER_MALFORMED;
}

export function varIntLength(n: number): number {
  if (n < 128) return 1;
  if (n < 16_384) return 2;
  if (n < 2_097_152) return 3;
  return 4;
}

function writeVarInt(buf: Buffer, offset: number, n: number): number {
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    buf[offset++] = byte;
  } while (n > 0);
  return offset;
}

/** Size of the property block of a fast-path PUBLISH: only a Topic Alias (0x23) or nothing. */
function fastPropertiesLength(topicAlias: number): number {
  return topicAlias > 0 ? 3 : 0;
}

/** Encoded size of a PUBLISH carrying at most a topic alias as property. */
export function fastPublishSize(
  topicBytes: number,
  payloadBytes: number,
  qos: number,
  v5: boolean,
  topicAlias: number,
): number {
  const props = fastPropertiesLength(topicAlias);
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + (v5 ? 1 + props : 0) + payloadBytes;
  return 1 + varIntLength(remaining) + remaining;
}

/**
 * Encodes a PUBLISH whose only v5 property is (optionally) a Topic Alias — what nearly every
 * delivery is. One allocation, no intermediate chunks. `topic` may be '' when the alias is known.
 */
export function encodeFastPublish(
  topic: string,
  payload: Buffer,
  qos: number,
  retain: boolean,
  dup: boolean,
  packetId: number,
  v5: boolean,
  topicAlias: number,
): Buffer {
  const topicBytes = topic.length === 0 ? 0 : Buffer.byteLength(topic);
  const props = fastPropertiesLength(topicAlias);
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + (v5 ? 1 + props : 0) + payload.length;
  const buf = Buffer.allocUnsafe(1 + varIntLength(remaining) + remaining);
  buf[0] = (PacketType.PUBLISH << 4) | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0);
  let at = writeVarInt(buf, 1, remaining);
  buf.writeUInt16BE(topicBytes, at);
  at += 2;
  if (topicBytes > 0) at += buf.write(topic, at, 'utf8');
  if (qos > 0) {
    buf.writeUInt16BE(packetId, at);
    at += 2;
  }
  if (v5) {
    buf[at++] = props;
    if (topicAlias > 0) {
      buf[at++] = 0x23;
      buf.writeUInt16BE(topicAlias, at);
      at += 2;
    }
  }
  payload.copy(buf, at);
  return buf;
}

/**
 * Checks a topic name or filter decoded from raw[start, end): well-formed UTF-8 and no U+0000
 * [MQTT-1.5.4-1] [MQTT-1.5.4-2]. mqtt-packet decodes leniently (bad bytes become U+FFFD), so the
 * raw bytes are only re-checked when a U+FFFD shows up. Returns a description of the problem.
 */
export function utf8Problem(text: string, raw: Buffer, start: number, end: number): string | undefined {
  if (text.includes('\u0000')) return 'U+0000 in a UTF-8 string';
  if (text.includes('\uFFFD') && !isUtf8(raw.subarray(start, end))) return 'invalid UTF-8';
  return undefined;
}

/**
 * Positions of the length-prefixed strings in a SUBSCRIBE/UNSUBSCRIBE payload, so the raw bytes
 * of each filter can be re-checked. `stride` is 1 for SUBSCRIBE (options byte), 0 for UNSUBSCRIBE.
 */
export function stringPositions(body: Buffer, payloadStart: number, stride: number): Array<[number, number]> {
  const positions: Array<[number, number]> = [];
  let at = payloadStart;
  while (at + 2 <= body.length) {
    const length = body.readUInt16BE(at);
    positions.push([at + 2, at + 2 + length]);
    at += 2 + length + stride;
  }
  return positions;
}

/** Reads a variable byte integer at `at`; returns [value, bytes] or undefined when malformed. */
export function readVarInt(buf: Buffer, at: number): [number, number] | undefined {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    const byte = buf[at + i];
    if (byte === undefined) return undefined;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return [value, i + 1];
    multiplier *= 128;
  }
  return undefined;
}

/**
 * PUBACK / PUBREC / PUBREL / PUBCOMP: 4 bytes, or 5 with a v5 reason code other than 0
 * (MQTT 5 §3.4.2.1: the reason code may be omitted when 0 and there are no properties).
 */
export function encodeAck(type: number, packetId: number, reason: number, v5: boolean): Buffer {
  const withReason = v5 && reason !== 0;
  const buf = Buffer.allocUnsafe(withReason ? 5 : 4);
  buf[0] = (type << 4) | (type === PacketType.PUBREL ? 0x02 : 0); // PUBREL flags 0010 [MQTT-3.6.1-1]
  buf[1] = withReason ? 3 : 2;
  buf.writeUInt16BE(packetId, 2);
  if (withReason) buf[4] = reason;
  return buf;
}

/** CONNACK without properties: 4 bytes, or 5 in v5 (empty property length). */
export function encodeBareConnack(sessionPresent: boolean, code: number, v5: boolean): Buffer {
  const buf = Buffer.allocUnsafe(v5 ? 5 : 4);
  buf[0] = PacketType.CONNACK << 4;
  buf[1] = v5 ? 3 : 2;
  buf[2] = sessionPresent ? 1 : 0;
  buf[3] = code;
  if (v5) buf[4] = 0;
  return buf;
}
