/** PINGREQ → PINGRESP [MQTT-3.12.4-1]; the keep-alive timer was already refreshed by the input. */
import type { MqttConnection } from '../connection.js';

export function handlePingreq(conn: MqttConnection): void {
  conn.send({ cmd: 'pingresp' });
}
