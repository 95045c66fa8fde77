/** UNSUBSCRIBE (MQTT 3.1.1 §3.10, MQTT 5 §3.10): v5 UNSUBACK carries one reason per filter. */
import type { IUnsubackPacket, IUnsubscribePacket } from 'mqtt-packet';
import { ReasonCode } from '../../broker/types.js';
import type { MqttConnection } from '../connection.js';
import { MqttProtocolError } from '../errors.js';
import { checkFilterStrings, checkFilterSyntax } from './filters.js';

export function handleUnsubscribe(conn: MqttConnection, packet: IUnsubscribePacket): void {
  const packetId = packet.messageId ?? 0;
  if (packetId === 0)
    throw new MqttProtocolError(ReasonCode.ProtocolError, 'UNSUBSCRIBE packet id 0 [MQTT-2.3.1-1]');
  if (packet.unsubscriptions.length === 0) {
    throw new MqttProtocolError(
      ReasonCode.ProtocolError,
      'UNSUBSCRIBE without topic filters [MQTT-3.10.3-2]',
    );
  }
  checkFilterStrings(conn, packet.unsubscriptions, 0);
  checkFilterSyntax(packet.unsubscriptions);
  const session = conn.session;
  if (session === undefined) return;
  const codes = session.unsubscribe(packet.unsubscriptions);
  const unsuback: IUnsubackPacket = { cmd: 'unsuback', messageId: packetId, granted: [] };
  if (conn.protocolVersion === 5) unsuback.granted = codes;
  conn.send(unsuback);
}
