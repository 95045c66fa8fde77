/**
 * Field readers and writers shared by the message families (MQTT-SN §5.3). Readers work on
 * `buf[start, end)` whose bounds the caller has already checked; writers validate the value and
 * throw EncodeError, which `tryEncode` turns into a result.
 */
import { isUtf8 } from 'node:buffer';
import { type DecodeErrorContext, EncodeError, fail } from './errors.js';
import { msgTypeLabel } from './header.js';
import type { DecodeError, MsgTypeName, ReturnCode } from './types.js';

type Failure = { ok: false; error: DecodeError };

/** A UTF-8 string from `buf[start, end)`, or undefined when it is not well-formed UTF-8. */
export function readUtf8(buf: Buffer, start: number, end: number): string | undefined {
  if (start === end) return '';
  const view = buf.subarray(start, end);
  return isUtf8(view) ? view.toString('utf8') : undefined;
}

/**
 * A topic name (MQTT-SN §5.3.12: UTF-8) or undefined when not well-formed UTF-8 or containing
 * U+0000, which MQTT forbids in topic names ([MQTT-4.7.3-2]) and which these become.
 */
export function readTopicName(buf: Buffer, start: number, end: number): string | undefined {
  const view = buf.subarray(start, end);
  if (view.indexOf(0) !== -1) return undefined;
  return readUtf8(buf, start, end);
}

/** A copy of `buf[start, end)`: decoded packets never alias the datagram, which a transport may reuse. */
export function copyBytes(buf: Buffer, start: number, end: number): Buffer {
  return Buffer.from(buf.subarray(start, end));
}

/** The error for a message whose variable part does not have the size its layout needs. */
export function wrongSize(msgType: number, body: number, expected: string, section: string): Failure {
  return fail(
    'wrong-size',
    `${msgTypeLabel(msgType)}: variable part of ${body} octet(s), expected ${expected} (MQTT-SN ${section})`,
    { msgType },
  );
}

export function badUtf8(msgType: number, field: string, context?: DecodeErrorContext): Failure {
  return fail('invalid-utf8', `${msgTypeLabel(msgType)}: ${field} is not well-formed UTF-8 (MQTT-SN §5.3)`, {
    msgType,
    ...context,
  });
}

export function badTopicName(msgType: number, context?: DecodeErrorContext): Failure {
  return fail(
    'invalid-utf8',
    `${msgTypeLabel(msgType)}: topic name is not well-formed UTF-8 or contains U+0000 (MQTT-SN §5.3.12)`,
    { msgType, ...context },
  );
}

export function isReturnCode(octet: number): octet is ReturnCode {
  return octet <= 0x03;
}

export function badReturnCode(msgType: number, octet: number, context?: DecodeErrorContext): Failure {
  return fail(
    'invalid-field',
    `${msgTypeLabel(msgType)}: ReturnCode 0x${octet.toString(16).padStart(2, '0')} is reserved (MQTT-SN §5.3.10)`,
    { msgType, ...context },
  );
}

// ---- writers ----

export function checkU8(type: MsgTypeName, field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new EncodeError(type, `${field} ${value} is not an integer 0..255`);
  }
  return value;
}

export function checkU16(type: MsgTypeName, field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new EncodeError(type, `${field} ${value} is not an integer 0..65535`);
  }
  return value;
}

export function checkReturnCode(type: MsgTypeName, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0x03) {
    throw new EncodeError(type, `ReturnCode ${value} is not one of 0x00..0x03 (MQTT-SN §5.3.10)`);
  }
  return value;
}

export function checkQoSLevel(type: MsgTypeName, value: number): 0 | 1 | 2 {
  if (value !== 0 && value !== 1 && value !== 2) {
    throw new EncodeError(type, `QoS ${value} is not 0, 1 or 2`);
  }
  return value;
}

/** Writes a 16-bit value big-endian ("most-significant octet first", §5.2.1). */
export function writeU16(buf: Buffer, offset: number, value: number): void {
  buf[offset] = value >>> 8;
  buf[offset + 1] = value & 0xff;
}

/** Size in octets of a string field. */
export function utf8Size(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}
