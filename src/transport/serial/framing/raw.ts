/**
 * Raw MQTT-SN on a serial line, compatible with mqtt-sn-tools' serial bridge: no framing beyond the
 * packet's own Length field (MQTT-SN §5.2.1: one octet, or 0x01 followed by a 2-octet length).
 *
 * The decoder turns a byte stream into packets and resynchronises after garbage or a lost byte:
 * - an inter-byte gap longer than `interByteTimeoutMs` discards a half-read packet (a sender that
 *   pauses mid-packet has lost bytes; the next byte starts a new packet);
 * - a Length of 0 is dropped and counted (§5.2.1: 0x00 is never a valid first octet);
 * - an implausible length or MsgType (reserved type, length shorter than the type allows, longer
 *   than `maxPacket`) drops the first buffered byte and retries from the next one.
 * It buffers at most one packet (`maxPacket` octets). Time is passed in, so it stays pure.
 */

/** Shortest legal packet (1-octet Length form) per MsgType, MQTT-SN §5.4; absent = reserved. */
const MIN_LENGTH: ReadonlyMap<number, number> = new Map([
  [0x00, 5], // ADVERTISE
  [0x01, 3], // SEARCHGW
  [0x02, 3], // GWINFO
  [0x04, 6], // CONNECT
  [0x05, 3], // CONNACK
  [0x06, 2], // WILLTOPICREQ
  [0x07, 2], // WILLTOPIC (empty = delete will)
  [0x08, 2], // WILLMSGREQ
  [0x09, 2], // WILLMSG
  [0x0a, 6], // REGISTER
  [0x0b, 7], // REGACK
  [0x0c, 7], // PUBLISH
  [0x0d, 7], // PUBACK
  [0x0e, 4], // PUBCOMP
  [0x0f, 4], // PUBREC
  [0x10, 4], // PUBREL
  [0x12, 5], // SUBSCRIBE
  [0x13, 8], // SUBACK
  [0x14, 5], // UNSUBSCRIBE
  [0x15, 4], // UNSUBACK
  [0x16, 2], // PINGREQ
  [0x17, 2], // PINGRESP
  [0x18, 2], // DISCONNECT
  [0x1a, 2], // WILLTOPICUPD
  [0x1b, 3], // WILLTOPICRESP
  [0x1c, 2], // WILLMSGUPD
  [0x1d, 3], // WILLMSGRESP
  [0xfe, 3], // Encapsulated message (forwarder, §5.5): Length, MsgType, Ctrl, Wireless Node Id
]);

const ENCAPSULATED = 0xfe;

export const DEFAULT_RAW_MAX_PACKET = 1024;
export const DEFAULT_INTER_BYTE_TIMEOUT_MS = 200;

export interface RawDecoderOptions {
  /** Largest packet accepted (and so the buffer bound), default 1024 octets. */
  maxPacket?: number;
  /** A gap longer than this between chunks discards a half-read packet; 0 disables. Default 200 ms. */
  interByteTimeoutMs?: number;
}

export interface RawDecoderCounters {
  packets: number;
  /** Bytes thrown away while resynchronising (garbage, partial packets). */
  droppedBytes: number;
  zeroLengths: number;
  /** Headers rejected for a reserved MsgType or a length out of range. */
  badHeaders: number;
  gapResets: number;
}

/** What the first octets of a buffered packet tell: its total length, or that more are needed. */
type Probe = { kind: 'length'; total: number } | { kind: 'need-more' } | { kind: 'zero' } | { kind: 'bad' };

const NEED_MORE: Probe = { kind: 'need-more' };
const ZERO: Probe = { kind: 'zero' };
const BAD: Probe = { kind: 'bad' };

/** Length and MsgType offset of a packet header at `offset`, per §5.2.1; undefined if incomplete. */
function readHeader(
  buf: Uint8Array,
  offset: number,
  available: number,
): { length: number; typeAt: number } | 'need-more' | 'zero' {
  if (available <= offset) return 'need-more';
  const first = buf[offset]!;
  if (first === 0) return 'zero';
  if (first !== 0x01) return { length: first, typeAt: offset + 1 };
  if (available < offset + 3) return 'need-more';
  return { length: (buf[offset + 1]! << 8) | buf[offset + 2]!, typeAt: offset + 3 };
}

function plausible(length: number, headerSize: number, type: number, maxPacket: number): boolean {
  const min = MIN_LENGTH.get(type);
  if (min === undefined) return false;
  // The 3-octet form adds two octets to every minimum.
  return length >= min + headerSize - 1 && length <= maxPacket;
}

/**
 * Total length of the packet starting at buf[0], given `available` buffered octets. A forwarder
 * encapsulation (§5.5) is followed by the MQTT-SN message it carries, whose own Length says where
 * it ends, so both are one unit on the line.
 */
export function probeRawPacket(buf: Uint8Array, available: number, maxPacket: number): Probe {
  const outer = readHeader(buf, 0, available);
  if (outer === 'need-more') return NEED_MORE;
  if (outer === 'zero') return ZERO;
  if (available <= outer.typeAt) return NEED_MORE;
  const type = buf[outer.typeAt]!;
  if (!plausible(outer.length, outer.typeAt, type, maxPacket)) return BAD;
  if (type !== ENCAPSULATED) return { kind: 'length', total: outer.length };
  if (outer.typeAt !== 1) return BAD; // §5.5: the encapsulation's Length is always one octet.
  const inner = readHeader(buf, outer.length, available);
  if (inner === 'need-more') return NEED_MORE;
  if (inner === 'zero') return BAD;
  if (available <= inner.typeAt) return NEED_MORE;
  const innerType = buf[inner.typeAt]!;
  const innerHeaderSize = inner.typeAt - outer.length;
  const total = outer.length + inner.length;
  if (innerType === ENCAPSULATED || !plausible(inner.length, innerHeaderSize, innerType, maxPacket))
    return BAD;
  return total <= maxPacket ? { kind: 'length', total } : BAD;
}

export class RawDecoder {
  readonly counters: RawDecoderCounters = {
    packets: 0,
    droppedBytes: 0,
    zeroLengths: 0,
    badHeaders: 0,
    gapResets: 0,
  };
  private readonly maxPacket: number;
  private readonly gapMs: number;
  private readonly work: Buffer;
  private filled = 0;
  /** Total length of the packet being read; 0 while its header is still incomplete. */
  private total = 0;
  private lastChunkAt = Number.NEGATIVE_INFINITY;

  constructor(options: RawDecoderOptions = {}) {
    this.maxPacket = Math.min(options.maxPacket ?? DEFAULT_RAW_MAX_PACKET, 0xffff);
    this.gapMs = options.interByteTimeoutMs ?? DEFAULT_INTER_BYTE_TIMEOUT_MS;
    this.work = Buffer.alloc(this.maxPacket);
  }

  /** Octets of a packet buffered but not yet complete. */
  get pending(): number {
    return this.filled;
  }

  /** Feeds a chunk read from the line at time `now` (ms); returns the packets it completed. */
  push(chunk: Uint8Array, now = 0): Buffer[] {
    if (this.filled > 0 && this.gapMs > 0 && now - this.lastChunkAt > this.gapMs) {
      this.counters.gapResets++;
      this.discardPending();
    }
    this.lastChunkAt = now;
    const packets: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.total === 0) {
        this.work[this.filled++] = chunk[i++]!;
        this.settleHeader(packets);
        continue;
      }
      const take = Math.min(this.total - this.filled, chunk.length - i);
      this.work.set(chunk.subarray(i, i + take), this.filled);
      this.filled += take;
      i += take;
      if (this.filled === this.total) this.takePacket(packets);
    }
    return packets;
  }

  /** Forgets a half-read packet (e.g. when the line is reopened). */
  reset(): void {
    this.discardPending();
  }

  private discardPending(): void {
    this.counters.droppedBytes += this.filled;
    this.filled = 0;
    this.total = 0;
  }

  /** Emits the first `total` buffered octets as a packet and keeps what follows them. */
  private takePacket(packets: Buffer[]): void {
    const total = this.total;
    packets.push(Buffer.from(this.work.subarray(0, total)));
    this.counters.packets++;
    this.work.copyWithin(0, total, this.filled);
    this.filled -= total;
    this.total = 0;
  }

  /**
   * Works out the packet length from the buffered header; on an impossible header drops the first
   * octet and probes again from the next one. Octets buffered while probing may already hold whole
   * packets (after a resync), which are emitted here.
   */
  private settleHeader(packets: Buffer[]): void {
    while (this.filled > 0) {
      const probe = probeRawPacket(this.work, this.filled, this.maxPacket);
      if (probe.kind === 'length') {
        this.total = probe.total;
        if (this.filled < this.total) return;
        this.takePacket(packets);
        continue;
      }
      if (probe.kind === 'need-more') {
        // A header still incomplete with the buffer full cannot become a packet.
        if (this.filled < this.maxPacket) return;
        this.counters.badHeaders++;
      } else if (probe.kind === 'zero') {
        this.counters.zeroLengths++;
      } else {
        this.counters.badHeaders++;
      }
      this.dropFirstOctet();
    }
  }

  private dropFirstOctet(): void {
    this.work.copyWithin(0, 1, this.filled);
    this.filled--;
    this.counters.droppedBytes++;
  }
}

export class RawFramingError extends Error {
  override readonly name = 'RawFramingError';
}

/**
 * Checks that a packet's Length field matches its size, so that what is written can be read back
 * by the far end (the packet is written as is: raw framing adds nothing). Returns the packet or an
 * error saying why it cannot go on the line.
 */
export function encodeRawPacket(packet: Buffer): Buffer | RawFramingError {
  const header = readHeader(packet, 0, packet.length);
  if (header === 'need-more' || header === 'zero' || packet.length <= header.typeAt) {
    return new RawFramingError(`raw: packet of ${packet.length} octets has no valid MQTT-SN header`);
  }
  const type = packet[header.typeAt]!;
  const total = type === ENCAPSULATED ? probeTotal(packet) : header.length;
  if (total !== packet.length) {
    return new RawFramingError(`raw: Length field says ${total} octets but the packet has ${packet.length}`);
  }
  return packet;
}

function probeTotal(packet: Buffer): number {
  const probe = probeRawPacket(packet, packet.length, 0xffff);
  return probe.kind === 'length' ? probe.total : -1;
}
