/**
 * Strict UTF-8 for the strings of a CONNECT — client id, will topic, user name [MQTT-1.5.4-1].
 * mqtt-packet decodes leniently (bad bytes become U+FFFD), so the raw bytes are walked only when
 * one of them shows a U+FFFD. mqtt-packet has already checked the packet's structure.
 */
import { isUtf8 } from 'node:buffer';
import type { IConnectPacket } from 'mqtt-packet';
import { ReasonCode } from '../../broker/types.js';
import type { MqttConnection } from '../connection.js';
import { MqttProtocolError } from '../errors.js';
import { readVarInt } from '../wire.js';

const WILL_FLAG = 0x04;
const USERNAME_FLAG = 0x80;

function skipProperties(frame: Buffer, at: number): number {
  const length = readVarInt(frame, at);
  if (length === undefined) throw new MqttProtocolError(ReasonCode.MalformedPacket, 'bad property length');
  return at + length[1] + length[0];
}

/** Checks the string at `at`; returns the offset after it. */
function checkString(frame: Buffer, at: number, what: string): number {
  const end = at + 2 + frame.readUInt16BE(at);
  if (!isUtf8(frame.subarray(at + 2, end))) {
    throw new MqttProtocolError(ReasonCode.MalformedPacket, `invalid UTF-8 in ${what}`);
  }
  return end;
}

export function checkConnectStrings(conn: MqttConnection, packet: IConnectPacket): void {
  const suspect = [packet.clientId, packet.will?.topic, packet.username].some((s) => s?.includes('\uFFFD'));
  if (!suspect) return;
  const frame = conn.frame;
  const v5 = conn.protocolVersion === 5;
  let at = conn.frameHeaderLength;
  at += 2 + frame.readUInt16BE(at); // protocol name
  const flags = frame[at + 1] ?? 0;
  at += 4; // level, flags, keep-alive
  if (v5) at = skipProperties(frame, at);
  at = checkString(frame, at, 'client id');
  if ((flags & WILL_FLAG) !== 0) {
    if (v5) at = skipProperties(frame, at);
    at = checkString(frame, at, 'will topic');
    at += 2 + frame.readUInt16BE(at); // will payload (binary)
  }
  if ((flags & USERNAME_FLAG) !== 0) checkString(frame, at, 'user name');
}
