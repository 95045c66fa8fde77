/**
 * encode: a packet to its exact bytes, in one Buffer.allocUnsafe of the final size (it runs per
 * datagram). The 1-octet Length is used whenever the total fits in 255 octets, the 3-octet form
 * above (MQTT-SN §5.2.1; see header.ts for the 255/256 boundary).
 */
import { EncodeError } from './errors.js';
import { MAX_TOTAL, totalLengthFor, writeHeader } from './header.js';
import type { BodyCodec } from './messages/body-codec.js';
import { encapsulationHeaderSize, writeEncapsulationHeader } from './messages/encapsulation.js';
import { BODY_CODECS } from './messages/index.js';
import { type MqttSnPacket, MsgType } from './types.js';

function codecOf(packet: MqttSnPacket): BodyCodec<MqttSnPacket> {
  return BODY_CODECS[packet.type as Exclude<MqttSnPacket['type'], 'ENCAPSULATED'>] as BodyCodec<MqttSnPacket>;
}

/** The number of octets `encode(packet)` produces. Throws EncodeError beyond 65535 octets. */
export function encodedLength(packet: MqttSnPacket): number {
  if (packet.type === 'ENCAPSULATED') {
    const inner = Buffer.isBuffer(packet.inner) ? packet.inner.length : encodedLength(packet.inner);
    return encapsulationHeaderSize(packet) + inner;
  }
  const total = totalLengthFor(codecOf(packet).size(packet));
  if (total > MAX_TOTAL) {
    throw new EncodeError(packet.type, `${total} octets exceed the 65535-octet maximum (MQTT-SN §5.2.1)`);
  }
  return total;
}

/**
 * Encodes a packet. Throws EncodeError for values that cannot be put on the wire (out-of-range
 * numbers, a short topic name that is not 2 octets, a message over 65535 octets); use `tryEncode`
 * where the packet carries unchecked data (e.g. topic names coming from the broker).
 */
export function encode(packet: MqttSnPacket): Buffer {
  const total = encodedLength(packet);
  const buf = Buffer.allocUnsafe(total);
  encodeInto(packet, buf, 0, total);
  return buf;
}

export function tryEncode(
  packet: MqttSnPacket,
): { ok: true; data: Buffer } | { ok: false; error: EncodeError } {
  try {
    return { ok: true, data: encode(packet) };
  } catch (error) {
    if (error instanceof EncodeError) return { ok: false, error };
    throw error;
  }
}

function encodeInto(packet: MqttSnPacket, buf: Buffer, offset: number, total: number): void {
  if (packet.type === 'ENCAPSULATED') {
    const innerOffset = writeEncapsulationHeader(packet, buf, offset);
    if (Buffer.isBuffer(packet.inner)) packet.inner.copy(buf, innerOffset);
    else encodeInto(packet.inner, buf, innerOffset, offset + total - innerOffset);
    return;
  }
  const bodyOffset = writeHeader(buf, offset, total, MsgType[packet.type]);
  codecOf(packet).write(packet, buf, bodyOffset);
}
