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

export abstract class PacketFramer {
  /** Chunks of a packet whose remaining length is known but not all arrived yet. */
  private partialChunks: Buffer[] | undefined;
  private partialBytes = 0;
  private partialTotal = 0;
  private partialHeaderLength = 0;
  /** Fewer bytes than a complete fixed header. */
  private stub: Buffer | undefined;

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
    if (this.partialChunks !== undefined) {
      at = Math.min(this.partialTotal - this.partialBytes, chunk.length);
      this.partialChunks.push(at === chunk.length ? chunk : chunk.subarray(0, at));
      this.partialBytes += at;
      if (this.partialBytes < this.partialTotal) return;
      const frame = Buffer.concat(this.partialChunks, this.partialTotal);
      this.partialChunks = undefined;
      this.processFrame(frame, this.partialHeaderLength);
    } else if (this.stub !== undefined) {
      buf = Buffer.concat([this.stub, chunk]);
      this.stub = undefined;
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
        this.stub = Buffer.from(buf.subarray(at));
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
        this.partialChunks = [buf.subarray(at)];
        this.partialBytes = buf.length - at;
        this.partialTotal = total;
        this.partialHeaderLength = headerLength;
        return;
      }
      this.processFrame(buf.subarray(at, at + total), headerLength);
      at += total;
    }
  }

  protected dropPartial(): void {
    this.partialChunks = undefined;
    this.stub = undefined;
  }
}
