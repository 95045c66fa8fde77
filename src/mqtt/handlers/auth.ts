/**
 * AUTH (MQTT 5 §3.15). Enhanced authentication is not supported: a CONNECT naming an
 * authentication method is refused with CONNACK 0x8C (handlers/connect.ts), so no exchange can
 * have started and any AUTH is a protocol error (MQTT 5 §4.12: AUTH only after a method).
 */
import type { IAuthPacket } from 'mqtt-packet';
import { ReasonCode } from '../../broker/types.js';
import type { MqttConnection } from '../connection.js';
import { MqttProtocolError } from '../errors.js';

export function handleAuth(_conn: MqttConnection, packet: IAuthPacket): void {
  throw new MqttProtocolError(
    ReasonCode.ProtocolError,
    `AUTH (reason 0x${packet.reasonCode.toString(16)}) without an authentication method`,
  );
}
