/** PUBACK from the client: ends a QoS 1 delivery (MQTT 3.1.1 §3.4). Unknown ids are ignored. */
import type { IPubackPacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection.js';

export function handlePuback(conn: MqttConnection, packet: IPubackPacket): void {
  conn.session?.puback(packet.messageId ?? 0);
}
