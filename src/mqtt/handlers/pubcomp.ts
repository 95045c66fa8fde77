/** PUBCOMP from the client: ends a QoS 2 delivery (MQTT 3.1.1 §3.7). Unknown ids are ignored. */
import type { IPubcompPacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection.js';

export function handlePubcomp(conn: MqttConnection, packet: IPubcompPacket): void {
  conn.session?.pubcomp(packet.messageId ?? 0);
}
