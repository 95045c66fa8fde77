/**
 * Forwarder encapsulation, MQTT-SN §5.5 Table 28:
 *   Length(0) MsgType=0xFE(1) Ctrl(2) WirelessNodeId(3:n) | MQTT-SN message(n+1:m)
 * The Length counts only up to the end of the Wireless Node Id; the encapsulated message follows
 * with its own Length. Ctrl bits 1-0 are the broadcast radius, bits 7-2 reserved (Table 29) and
 * ignored on input. Table 28 gives a 1-octet Length; the 3-octet form is accepted on input like
 * for every other message, and never emitted.
 *
 * A forwarder behind a forwarder is not in v1.2: an encapsulated 0xFE message is rejected.
 */
import { EncodeError, fail } from '../errors.js';
import { copyBytes } from '../fields.js';
import { type Header, MAX_SHORT_TOTAL, readHeader } from '../header.js';
import { type DecodeResult, type EncapsulatedPacket, MsgType } from '../types.js';

const RADIUS_BITS = 0x03;
const context = { msgType: MsgType.ENCAPSULATED };

export function decodeEncapsulated(buf: Buffer, header: Header): DecodeResult {
  const { length, headerSize } = header;
  if (length < headerSize + 1) {
    return fail(
      'invalid-length',
      `ENCAPSULATED: Length ${length} leaves no room for Ctrl (MQTT-SN §5.5)`,
      context,
    );
  }
  if (buf.length < length) {
    return fail(
      'truncated',
      `ENCAPSULATED: Length ${length} but only ${buf.length} octet(s) (MQTT-SN §5.5)`,
      context,
    );
  }
  const inner = buf.subarray(length);
  const innerHeader = readHeader(inner);
  if (!innerHeader.ok) {
    const { kind, message } = innerHeader.error;
    return fail(kind, `ENCAPSULATED: encapsulated message: ${message}`, context);
  }
  const innerLength = innerHeader.header.length;
  if (innerHeader.header.msgType === MsgType.ENCAPSULATED) {
    return fail(
      'invalid-field',
      'ENCAPSULATED: nested forwarder encapsulation is not supported (MQTT-SN §5.5)',
      context,
    );
  }
  if (inner.length < innerLength) {
    return fail(
      'truncated',
      `ENCAPSULATED: encapsulated message has Length ${innerLength} but ${inner.length} octet(s) (MQTT-SN §5.5)`,
      context,
    );
  }
  if (inner.length > innerLength) {
    return fail(
      'length-mismatch',
      `ENCAPSULATED: ${inner.length - innerLength} octet(s) after the encapsulated message (MQTT-SN §5.1)`,
      context,
    );
  }
  return {
    ok: true,
    packet: {
      type: 'ENCAPSULATED',
      radius: buf[headerSize]! & RADIUS_BITS,
      wirelessNodeId: copyBytes(buf, headerSize + 1, length),
      inner: copyBytes(buf, length, buf.length),
    },
  };
}

/** Octets of the encapsulation header (Length, MsgType, Ctrl, Wireless Node Id); checks the limits. */
export function encapsulationHeaderSize(p: EncapsulatedPacket): number {
  const size = 3 + p.wirelessNodeId.length;
  if (size > MAX_SHORT_TOTAL) {
    throw new EncodeError(
      'ENCAPSULATED',
      `Wireless Node Id of ${p.wirelessNodeId.length} octets exceeds 252`,
    );
  }
  if (!Number.isInteger(p.radius) || p.radius < 0 || p.radius > RADIUS_BITS) {
    throw new EncodeError('ENCAPSULATED', `radius ${p.radius} is not 0..3 (MQTT-SN §5.5 Table 29)`);
  }
  if (!Buffer.isBuffer(p.inner) && p.inner.type === 'ENCAPSULATED') {
    throw new EncodeError('ENCAPSULATED', 'nested forwarder encapsulation is not supported');
  }
  return size;
}

/** Writes the encapsulation header at `offset`; returns where the encapsulated message starts. */
export function writeEncapsulationHeader(p: EncapsulatedPacket, buf: Buffer, offset: number): number {
  const size = 3 + p.wirelessNodeId.length;
  buf[offset] = size;
  buf[offset + 1] = MsgType.ENCAPSULATED;
  buf[offset + 2] = p.radius;
  p.wirelessNodeId.copy(buf, offset + 3);
  return offset + size;
}
