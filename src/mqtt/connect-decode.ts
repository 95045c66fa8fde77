/**
 * A direct decoder for the common CONNECT — MQTT 3.1 / 3.1.1, or 5 without properties; no will;
 * optional user name and password (MQTT 3.1.1 §3.1, MQTT 5 §3.1). Every connection starts with
 * one, and mqtt-packet's stream parser spends several microseconds and a dozen objects on it
 * (a buffer list, a Packet with every field of every packet type, …).
 *
 * It never judges a packet: anything else — a will, v5 properties, the bridge bit, a reserved
 * flag, a string running past the end, bytes left over — returns undefined and goes to
 * mqtt-packet, so its errors and its lenient string decoding stay the one behaviour.
 */
import type { IConnectPacket } from 'mqtt-packet';

const MQTT = Buffer.from('MQTT', 'latin1');
const MQISDP = Buffer.from('MQIsdp', 'latin1');
const RESERVED_FLAG = 0x01;
const CLEAN_FLAG = 0x02;
/** Will flag, will QoS and will retain: any of them sends the packet to mqtt-packet. */
const WILL_BITS = 0x3c;
const PASSWORD_FLAG = 0x40;
const USERNAME_FLAG = 0x80;

/** Where the next field starts; -1 once a field ran past the end of the frame. */
let at = 0;

function readString(frame: Buffer): string | undefined {
  if (at < 0 || at + 2 > frame.length) return failRead();
  const end = at + 2 + frame.readUInt16BE(at);
  if (end > frame.length) return failRead();
  // As mqtt-packet decodes it (invalid bytes become U+FFFD; connect-strings.ts checks them).
  const value = frame.toString('utf8', at + 2, end);
  at = end;
  return value;
}

function readBinary(frame: Buffer): Buffer | undefined {
  if (at < 0 || at + 2 > frame.length) return failRead();
  const end = at + 2 + frame.readUInt16BE(at);
  if (end > frame.length) return failRead();
  // A copy: a password must not keep the socket's whole read chunk alive.
  const value = Buffer.from(frame.subarray(at + 2, end));
  at = end;
  return value;
}

function failRead(): undefined {
  at = -1;
  return undefined;
}

/**
 * Decodes `frame` (fixed header included, its first byte already checked as CONNECT's) when it
 * is a common CONNECT of `protocolVersion` (set by precheckConnect); otherwise undefined.
 */
export function decodeCommonConnect(
  frame: Buffer,
  headerLength: number,
  protocolVersion: number,
): IConnectPacket | undefined {
  const name = protocolVersion === 3 ? MQISDP : MQTT;
  const levelAt = headerLength + 2 + name.length;
  // Level, flags, keep-alive, (v5) a property length of 0, client id length.
  const v5 = protocolVersion === 5;
  if (levelAt + (v5 ? 7 : 6) > frame.length) return undefined;
  if (frame.readUInt16BE(headerLength) !== name.length || frame[levelAt] !== protocolVersion)
    return undefined;
  if (name.compare(frame, headerLength + 2, levelAt) !== 0) return undefined;
  const flags = frame[levelAt + 1]!;
  if ((flags & (RESERVED_FLAG | WILL_BITS)) !== 0) return undefined;
  const keepalive = frame.readUInt16BE(levelAt + 2);
  at = levelAt + 4;
  if (v5) {
    if (frame[at] !== 0) return undefined;
    at++;
  }
  const clientId = readString(frame);
  const username = (flags & USERNAME_FLAG) !== 0 ? readString(frame) : undefined;
  const password = (flags & PASSWORD_FLAG) !== 0 ? readBinary(frame) : undefined;
  if (at !== frame.length) return undefined; // a field ran past the end, or bytes are left over
  const packet: IConnectPacket = {
    cmd: 'connect',
    protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    protocolVersion: protocolVersion as 3 | 4 | 5,
    clean: (flags & CLEAN_FLAG) !== 0,
    keepalive,
    clientId: clientId ?? '',
  };
  if (username !== undefined) packet.username = username;
  if (password !== undefined) packet.password = password;
  return packet;
}
