/**
 * Splits a byte stream into complete MQTT packets. The fixed header is read here, before
 * mqtt-packet sees anything, so that a packet over the maximum size, a remaining length over
 * 4 bytes or a first packet that is not CONNECT is refused before a byte of its body is
 * buffered (mqtt-packet would wait for — and buffer — the whole announced length).
 */
import { ReasonCode } from '../broker/types.js';
import { MqttProtocolError } from './errors.js';
import { HEADER_INCOMPLETE, HEADER_MALFORMED, PacketType, readFixedHeader } from './wire.js';

const CONNECT_FIRST_BYTE = PacketType.CONNECT << 4;

/** Scratch for readFixedHeader: single-threaded, used and read back at once. */
const header = { remainingLength: 0 };

/** A packet whose remaining length is known but whose bytes have not all arrived yet. */
class PartialPacket {
  constructor(
    readonly chunks: Buffer[],
    public bytes: number,
    readonly total: number,
    readonly headerLength: number,
  ) {}
}

/**
 * Its state is one field, set only while a packet is split across reads: an idle connection
 * keeps nothing here.
 */
export abstract class PacketFramer {
  /** A packet split across reads, or (a Buffer) fewer bytes than a complete fixed header. */
  private pending: PartialPacket | Buffer | undefined;

  abstract isClosed(): boolean;
  abstract fail(error: unknown): void;
  /** True until CONNECT has been handled: only CONNECT's first byte is acceptable. */
  protected abstract expectsConnect(): boolean;
  protected abstract maxInboundPacketSize(): number;
  /** One complete packet, fixed header included. */
  protected abstract processFrame(frame: Buffer, headerLength: number): void;

  protected frameChunk(chunk: Buffer): void {
    let buf = chunk;
    let at = 0;
    const pending = this.pending;
    if (pending instanceof PartialPacket) {
      const partial = pending;
      at = Math.min(partial.total - partial.bytes, chunk.length);
      partial.chunks.push(at === chunk.length ? chunk : chunk.subarray(0, at));
      partial.bytes += at;
      if (partial.bytes < partial.total) return;
      const frame = Buffer.concat(partial.chunks, partial.total);
      this.pending = undefined;
      this.processFrame(frame, partial.headerLength);
    } else if (pending !== undefined) {
      buf = Buffer.concat([pending, chunk]);
      this.pending = undefined;
    }
    while (at < buf.length && !this.isClosed()) {
      if (this.expectsConnect() && buf[at] !== CONNECT_FIRST_BYTE) {
        // Checked on the first byte, before any length is read: nothing is reserved [MQTT-3.1.0-1].
        this.fail(
          new MqttProtocolError(
            ReasonCode.ProtocolError,
            `first packet is not CONNECT (byte 0x${buf[at]!.toString(16)})`,
          ),
        );
        return;
      }
      const headerLength = readFixedHeader(buf, at, header);
      if (headerLength === HEADER_INCOMPLETE) {
        this.pending = Buffer.from(buf.subarray(at));
        return;
      }
      if (headerLength === HEADER_MALFORMED) {
        this.fail(new MqttProtocolError(ReasonCode.MalformedPacket, 'remaining length longer than 4 bytes'));
        return;
      }
      const total = headerLength + header.remainingLength;
      if (total > this.maxInboundPacketSize()) {
        // [MQTT-3.2.2-15]: refused before a byte of it is buffered.
        this.fail(
          new MqttProtocolError(
            ReasonCode.PacketTooLarge,
            `packet of ${total} bytes over maximum ${this.maxInboundPacketSize()}`,
          ),
        );
        return;
      }
      if (at + total > buf.length) {
        // Keep references to what arrived; memory grows only as bytes really come in.
        this.pending = new PartialPacket([buf.subarray(at)], buf.length - at, total, headerLength);
        return;
      }
      this.processFrame(buf.subarray(at, at + total), headerLength);
      at += total;
    }
  }

  protected dropPartial(): void {
    this.pending = undefined;
  }
}
