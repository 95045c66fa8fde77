/**
 * XBee API framing (Digi API mode 1, AP=1, and escaped mode 2, AP=2), as the Paho gateway uses it
 * (research/mqtt-sn-landscape.md §6.1):
 *
 *   0x7E | length MSB | length LSB | frame data (API id + fields) | checksum
 *
 * Length counts the frame data; checksum = 0xFF − (sum of frame data & 0xFF). In mode 2 every octet
 * after the start delimiter that equals 0x7E, 0x7D, 0x11 (XON) or 0x13 (XOFF) is sent as
 * 0x7D, octet ^ 0x20 — length, data and checksum alike; the checksum is over the unescaped data.
 *
 * Two pure stages: `encodeXbeeFrame` (frame data → line bytes) and `XbeeFrameDecoder`
 * (line bytes → frame data, with counters), stackable under the API-frame layer (xbee-frames.ts).
 */

export type XbeeApiMode = 1 | 2;

const START = 0x7e;
const ESCAPE = 0x7d;
const XON = 0x11;
const XOFF = 0x13;
const ESCAPE_XOR = 0x20;

/** Frame data larger than any radio payload plus its API header; bounds the decoder's buffer. */
export const DEFAULT_MAX_FRAME_DATA = 1024;

function needsEscape(octet: number): boolean {
  return octet === START || octet === ESCAPE || octet === XON || octet === XOFF;
}

export function xbeeChecksum(frameData: Uint8Array): number {
  let sum = 0;
  for (const octet of frameData) sum += octet;
  return 0xff - (sum & 0xff);
}

/** Wraps frame data (API id + fields) into one frame on the line. */
export function encodeXbeeFrame(frameData: Uint8Array, mode: XbeeApiMode): Buffer {
  if (frameData.length === 0 || frameData.length > 0xffff) {
    throw new RangeError(`xbee: frame data of ${frameData.length} octets cannot be framed`);
  }
  const plain = Buffer.allocUnsafe(frameData.length + 4);
  plain[0] = START;
  plain.writeUInt16BE(frameData.length, 1);
  plain.set(frameData, 3);
  plain[plain.length - 1] = xbeeChecksum(frameData);
  return mode === 2 ? escapeAfterStart(plain) : plain;
}

function escapeAfterStart(plain: Buffer): Buffer {
  let extra = 0;
  for (let i = 1; i < plain.length; i++) if (needsEscape(plain[i]!)) extra++;
  if (extra === 0) return plain;
  const out = Buffer.allocUnsafe(plain.length + extra);
  out[0] = START;
  let o = 1;
  for (let i = 1; i < plain.length; i++) {
    const octet = plain[i]!;
    if (needsEscape(octet)) {
      out[o++] = ESCAPE;
      out[o++] = octet ^ ESCAPE_XOR;
    } else {
      out[o++] = octet;
    }
  }
  return out;
}

export interface XbeeDecoderOptions {
  mode: XbeeApiMode;
  /** Largest frame data accepted; a longer length is a bad length. Default 1024. */
  maxFrameData?: number;
}

export interface XbeeDecoderCounters {
  frames: number;
  badChecksums: number;
  /** Length 0 or above maxFrameData. */
  badLengths: number;
  /** Frames cut short by a new start delimiter (mode 2). */
  truncated: number;
  /** Octets that were not part of any good frame (noise, broken frames). */
  droppedBytes: number;
  /** Unescaped XON/XOFF seen in mode 2 (software flow control), ignored. */
  flowControl: number;
}

/**
 * Line bytes → frame data. Resynchronisation: in mode 1 a 0x7E may appear inside a frame, so a
 * frame with a bad checksum or length is re-scanned from the octet after its start delimiter; in
 * mode 2 an unescaped 0x7E is always a start delimiter, so it cuts any half-read frame short.
 */
export class XbeeFrameDecoder {
  readonly counters: XbeeDecoderCounters = {
    frames: 0,
    badChecksums: 0,
    badLengths: 0,
    truncated: 0,
    droppedBytes: 0,
    flowControl: 0,
  };
  private readonly mode: XbeeApiMode;
  private readonly maxFrameData: number;
  /** The frame being read, unescaped, from its start delimiter on. */
  private readonly work: Buffer;
  private filled = 0;
  private escapeNext = false;
  /** Octets to read again after a resync (mode 1), before the rest of the input. */
  private replay: number[] = [];
  private out: Buffer[] = [];

  constructor(options: XbeeDecoderOptions) {
    this.mode = options.mode;
    this.maxFrameData = Math.min(options.maxFrameData ?? DEFAULT_MAX_FRAME_DATA, 0xffff);
    this.work = Buffer.alloc(this.maxFrameData + 4);
  }

  /** Octets of a frame buffered but not yet complete. */
  get pending(): number {
    return this.filled;
  }

  /** Feeds a chunk read from the line; returns the frame data of every good frame it completed. */
  push(chunk: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    this.out = out;
    for (const octet of chunk) {
      if (this.mode === 2) this.unescape(octet);
      else this.acceptWithReplay(octet);
    }
    this.out = [];
    return out;
  }

  /** Forgets a half-read frame (e.g. when the line is reopened). */
  reset(): void {
    this.counters.droppedBytes += this.filled;
    this.filled = 0;
    this.escapeNext = false;
  }

  private unescape(octet: number): void {
    if (octet === START) {
      if (this.filled > 0) {
        this.counters.truncated++;
        this.counters.droppedBytes += this.filled;
        this.filled = 0;
      }
      this.escapeNext = false;
      this.accept(START);
      return;
    }
    if (this.escapeNext) {
      this.escapeNext = false;
      this.accept(octet ^ ESCAPE_XOR);
    } else if (octet === ESCAPE) {
      this.escapeNext = true;
    } else if (octet === XON || octet === XOFF) {
      this.counters.flowControl++;
    } else {
      this.accept(octet);
    }
  }

  private acceptWithReplay(octet: number): void {
    this.accept(octet);
    while (this.replay.length > 0) this.accept(this.replay.shift()!);
  }

  /** One unescaped octet. */
  private accept(octet: number): void {
    if (this.filled === 0) {
      if (octet === START) this.work[this.filled++] = START;
      else this.counters.droppedBytes++;
      return;
    }
    this.work[this.filled++] = octet;
    if (this.filled < 3) return;
    const length = this.work.readUInt16BE(1);
    if (this.filled === 3) {
      if (length === 0 || length > this.maxFrameData) {
        this.counters.badLengths++;
        this.resync();
      }
      return;
    }
    if (this.filled < length + 4) return;
    const data = this.work.subarray(3, 3 + length);
    if (xbeeChecksum(data) !== octet) {
      this.counters.badChecksums++;
      this.resync();
      return;
    }
    this.out.push(Buffer.from(data));
    this.counters.frames++;
    this.filled = 0;
  }

  /** Drops the start delimiter of a broken frame; in mode 1 reads what followed it again. */
  private resync(): void {
    this.counters.droppedBytes++;
    if (this.mode === 1) {
      this.replay = [...this.work.subarray(1, this.filled), ...this.replay];
    } else {
      this.counters.droppedBytes += this.filled - 1;
    }
    this.filled = 0;
  }
}
