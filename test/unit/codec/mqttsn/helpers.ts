import { expect } from 'vitest';
import {
  type DecodeError,
  type DecodeResult,
  decode,
  type MqttSnPacket,
} from '../../../../src/codec/mqttsn/index.js';

/** Bytes from a hex string written like the spec's tables, spaces allowed: "0c 0c 20 00 01". */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

export function decodeOk(buf: Buffer): MqttSnPacket {
  const result: DecodeResult = decode(buf);
  if (!result.ok) throw new Error(`expected a packet, got ${result.error.kind}: ${result.error.message}`);
  return result.packet;
}

export function decodeErr(buf: Buffer): DecodeError {
  const result = decode(buf);
  if (result.ok) throw new Error(`expected an error, got ${result.packet.type}`);
  expect(result.error.message.length).toBeGreaterThan(0);
  return result.error;
}
