import type { DecodeResult } from '../types.js';

/**
 * How one message type's variable part (everything after MsgType, MQTT-SN §5.3) is read and written.
 * `decode` gets `buf[start, end)` — the variable part, its size already consistent with the Length
 * field — and must not read outside it. `size` and `write` are the encoder's two passes: the exact
 * size first (so the whole message is one allocation), then the octets.
 */
export interface BodyCodec<P> {
  decode(buf: Buffer, start: number, end: number): DecodeResult;
  size(packet: P): number;
  write(packet: P, buf: Buffer, offset: number): void;
}
