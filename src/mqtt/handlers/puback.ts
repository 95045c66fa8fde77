/** PUBACK from the client: ends a QoS 1 delivery (MQTT 3.1.1 §3.4). Unknown ids are ignored. */
import type { IPubackPacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection.js';

export function handlePuback(conn: MqttConnection, packet: IPubackPacket): void {
  handlePubackId(conn, packet.messageId ?? 0);
}

/** The same, from the packet id alone (dispatch's fast path for a 4-byte PUBACK). */
export function handlePubackId(conn: MqttConnection, packetId: number): void {
  conn.session?.puback(packetId);
}
