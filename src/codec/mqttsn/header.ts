/**
 * The message header, MQTT-SN §5.2: Length (1 or 3 octets) then MsgType (1 octet).
 *
 * The Length counts the WHOLE message including the Length field itself (§5.2.1). So the 1-octet
 * form holds totals 2..255, and a message whose body (octets after MsgType) is 254 octets long does
 * not fit it (2 + 254 = 256): it takes the 3-octet form and becomes 4 + 254 = 258 octets. Encoded
 * totals of 256 and 257 therefore never occur; the Paho gateway's off-by-one at 255/256 came from
 * deciding the form on the body size instead of the total.
 */
import { fail } from './errors.js';
import { type DecodeError, MsgType, type MsgTypeName } from './types.js';

/** First octet that announces the 3-octet Length form (§5.2.1). */
export const LONG_LENGTH_MARKER = 0x01;
/** Largest total length in the 1-octet form. */
export const MAX_SHORT_TOTAL = 0xff;
/** Largest total length of any message (16-bit Length). */
export const MAX_TOTAL = 0xffff;

export interface Header {
  /** Total message length from the Length field (includes the header). */
  length: number;
  /** 2 (1-octet Length) or 4 (3-octet Length): where the variable part starts. */
  headerSize: 2 | 4;
  /** The MsgType octet, not yet checked against Table 3. */
  msgType: number;
}

/**
 * Reads Length and MsgType from the start of `buf`. Accepts both Length forms, including the
 * 3-octet form for messages shorter than 256 octets. Only checks that the header itself is
 * readable and sane; whether `buf` holds exactly `length` octets is the caller's business (serial
 * framings use this to learn how many octets to wait for: 'truncated' means "need more").
 */
export function readHeader(buf: Buffer): { ok: true; header: Header } | { ok: false; error: DecodeError } {
  if (buf.length < 2) return fail('truncated', `message of ${buf.length} octet(s) has no complete header`);
  const first = buf[0]!;
  if (first === LONG_LENGTH_MARKER) {
    if (buf.length < 4) {
      return fail(
        'truncated',
        `3-octet Length form needs 4 header octets, got ${buf.length} (MQTT-SN §5.2.1)`,
      );
    }
    const length = buf.readUInt16BE(1);
    const msgType = buf[3]!;
    if (length < 4) {
      return fail(
        'invalid-length',
        `3-octet Length ${length} is shorter than its own header (MQTT-SN §5.2.1)`,
        {
          msgType,
        },
      );
    }
    return { ok: true, header: { length, headerSize: 4, msgType } };
  }
  const msgType = buf[1]!;
  if (first === 0x00) {
    return fail('invalid-length', 'Length 0x00 is not a valid length (MQTT-SN §5.2.1)', { msgType });
  }
  return { ok: true, header: { length: first, headerSize: 2, msgType } };
}

/** Header size for a message whose variable part is `bodySize` octets: short form while the total fits. */
export function headerSizeFor(bodySize: number): 2 | 4 {
  return bodySize + 2 <= MAX_SHORT_TOTAL ? 2 : 4;
}

/** Total encoded length for a variable part of `bodySize` octets (may exceed MAX_TOTAL: caller checks). */
export function totalLengthFor(bodySize: number): number {
  return bodySize + headerSizeFor(bodySize);
}

/** Writes the header for a message of `total` octets at `offset`; returns the offset after MsgType. */
export function writeHeader(buf: Buffer, offset: number, total: number, msgType: number): number {
  if (total <= MAX_SHORT_TOTAL) {
    buf[offset] = total;
    buf[offset + 1] = msgType;
    return offset + 2;
  }
  buf[offset] = LONG_LENGTH_MARKER;
  buf.writeUInt16BE(total, offset + 1);
  buf[offset + 3] = msgType;
  return offset + 4;
}

const NAME_BY_CODE: ReadonlyMap<number, MsgTypeName> = new Map(
  (Object.keys(MsgType) as MsgTypeName[]).map((name) => [MsgType[name], name]),
);

/** The name of a MsgType octet, or undefined when it is reserved (§5.2.2 Table 3). */
export function msgTypeName(code: number): MsgTypeName | undefined {
  return NAME_BY_CODE.get(code);
}

/** For log lines: "PUBLISH" or "reserved type 0x03". */
export function msgTypeLabel(code: number): string {
  return NAME_BY_CODE.get(code) ?? `reserved type 0x${code.toString(16).padStart(2, '0')}`;
}
