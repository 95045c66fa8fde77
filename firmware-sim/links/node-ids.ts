/**
 * Wireless node ids for sensors behind a simulated forwarder (MQTT-SN §5.5): two octets, the
 * sensor's number + 1, so that the gateway sees each sensor as a client of its own.
 */
import { decode, encode } from '../../src/codec/mqttsn/index.js';

export const MAX_FORWARDED_SENSORS = 0xfffe;

export function nodeIdFor(index: number): Buffer {
  if (index < 0 || index >= MAX_FORWARDED_SENSORS) {
    throw new RangeError(`a forwarder carries at most ${MAX_FORWARDED_SENSORS} sensors (sensor #${index})`);
  }
  const id = Buffer.alloc(2);
  id.writeUInt16BE(index + 1);
  return id;
}

export function indexOfNodeId(nodeId: Buffer): number | undefined {
  return nodeId.length === 2 ? nodeId.readUInt16BE(0) - 1 : undefined;
}

/** Wraps a sensor's message in a forwarder encapsulation (radius 0: unicast). */
export function encapsulate(nodeId: Buffer, message: Buffer): Buffer {
  return encode({ type: 'ENCAPSULATED', radius: 0, wirelessNodeId: nodeId, inner: message });
}

/** The sensor a message from the gateway is for, and the message; undefined if not encapsulated. */
export function decapsulate(datagram: Buffer): { index: number; message: Buffer } | undefined {
  const result = decode(datagram);
  if (!result.ok || result.packet.type !== 'ENCAPSULATED') return undefined;
  const { wirelessNodeId, inner } = result.packet;
  const index = indexOfNodeId(wirelessNodeId);
  if (index === undefined || !Buffer.isBuffer(inner)) return undefined;
  return { index, message: inner };
}
