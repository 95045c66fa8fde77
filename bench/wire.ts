/**
 * The load generator's view of MQTT 3.1.1 bytes. Packets are encoded once with mqtt-packet; the hot
 * paths then copy those bytes and patch a sequence number (and a packet id) in place, and read incoming
 * packets by their fixed header only — so the generator spends its time on sockets, not on codecs.
 */
import { generate } from 'mqtt-packet';
import type { Qos01 } from './protocol.js';

export const PacketType = {
  connack: 2,
  publish: 3,
  puback: 4,
  suback: 9,
} as const;

/** Payload layout: [0,8) send time in ns (u64 LE), [8,12) publisher index, [12,16) sequence number. */
export const PayloadField = { sentNs: 0, publisher: 8, sequence: 12 } as const;
export const MIN_PAYLOAD = 16;

export function connectPacket(clientId: string): Buffer {
  // keepalive 0: the benchmark's connections must not need PINGREQs during a run [MQTT-3.1.2-10].
  return generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId,
    keepalive: 0,
  });
}

export function subscribePacket(filter: string, qos: Qos01): Buffer {
  return generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos }] });
}

export function pubackPacket(packetId: number): Buffer {
  return generate({ cmd: 'puback', messageId: packetId });
}

export interface PublishTemplate {
  readonly bytes: Buffer;
  /** Offset of the 2-byte packet identifier (QoS 1), or -1 at QoS 0. */
  readonly packetIdOffset: number;
  readonly payloadOffset: number;
}

export function publishTemplate(topic: string, payloadSize: number, qos: Qos01): PublishTemplate {
  const payload = Buffer.alloc(Math.max(payloadSize, MIN_PAYLOAD), 0x61);
  const bytes = generate({
    cmd: 'publish',
    topic,
    payload,
    qos,
    retain: false,
    dup: false,
    ...(qos > 0 ? { messageId: 1 } : {}),
  });
  const payloadOffset = bytes.length - payload.length;
  return { bytes, packetIdOffset: qos > 0 ? payloadOffset - 2 : -1, payloadOffset };
}

/**
 * `count` copies of the template in one buffer, message k carrying sequence number `firstSequence + k`
 * and (QoS 1) packet id from `nextPacketId`. Returns the next packet id to use.
 */
export function fillPublishBatch(
  target: Buffer,
  template: PublishTemplate,
  count: number,
  publisher: number,
  firstSequence: number,
  nextPacketId: number,
): number {
  const size = template.bytes.length;
  for (let k = 0; k < count; k++) {
    const at = k * size;
    template.bytes.copy(target, at);
    const payloadAt = at + template.payloadOffset;
    target.writeUInt32LE(publisher, payloadAt + PayloadField.publisher);
    target.writeUInt32LE(firstSequence + k, payloadAt + PayloadField.sequence);
    if (template.packetIdOffset >= 0) {
      target.writeUInt16BE(nextPacketId, at + template.packetIdOffset);
      // Packet id 0 is not allowed [MQTT-2.3.1-1]; ids cycle through 1..65535.
      nextPacketId = nextPacketId === 0xffff ? 1 : nextPacketId + 1;
    }
  }
  return nextPacketId;
}

/** Called for every complete packet: `buf[bodyStart, bodyEnd)` is the variable header and payload. */
export type PacketVisitor = (buf: Buffer, firstByte: number, bodyStart: number, bodyEnd: number) => void;

export class MalformedStreamError extends Error {
  override readonly name = 'MalformedStreamError';
}

/** Splits a TCP byte stream into MQTT packets by the fixed header (MQTT 3.1.1 §2.2). */
export class FrameScanner {
  private rest: Buffer | null = null;

  constructor(public visit: PacketVisitor) {}

  push(chunk: Buffer): void {
    const buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk]);
    this.rest = null;
    const end = buf.length;
    let at = 0;
    while (end - at >= 2) {
      let length = 0;
      let multiplier = 1;
      let cursor = at + 1;
      let complete = false;
      for (let k = 0; k < 4 && cursor < end; k++) {
        const byte = buf[cursor++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (cursor - at - 1 >= 4) throw new MalformedStreamError('remaining length longer than 4 bytes');
        break;
      }
      if (cursor + length > end) break;
      this.visit(buf, buf[at]!, cursor, cursor + length);
      at = cursor + length;
    }
    if (at < end) this.rest = Buffer.from(buf.subarray(at));
  }
}

/** Where a PUBLISH's packet id and payload start, read from its body (MQTT 3.1.1 §3.3.2). */
export function publishLayout(
  buf: Buffer,
  firstByte: number,
  bodyStart: number,
): { packetId: number; payloadAt: number } {
  const topicLength = buf.readUInt16BE(bodyStart);
  const afterTopic = bodyStart + 2 + topicLength;
  const qos = (firstByte >> 1) & 0x03;
  if (qos === 0) return { packetId: 0, payloadAt: afterTopic };
  return { packetId: buf.readUInt16BE(afterTopic), payloadAt: afterTopic + 2 };
}

/** PUBACKs for the given packet ids, back to back in one buffer (MQTT 3.1.1 §3.4). */
export function pubacks(packetIds: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(packetIds.length * 4);
  packetIds.forEach((id, k) => {
    out[k * 4] = PacketType.puback << 4;
    out[k * 4 + 1] = 2;
    out.writeUInt16BE(id, k * 4 + 2);
  });
  return out;
}
