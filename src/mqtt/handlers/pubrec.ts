/**
 * PUBREC from the client (MQTT 3.1.1 §3.5): the delivery moves on to PUBREL. A v5 PUBREC with a
 * failure reason ends the exchange instead (MQTT 5 §4.3.3), so no PUBREL follows.
 */
import type { IPubrecPacket } from 'mqtt-packet';
import { ReasonCode } from '../../broker/types.js';
import type { MqttConnection } from '../connection.js';
import { PacketType } from '../wire.js';

export function handlePubrec(conn: MqttConnection, packet: IPubrecPacket): void {
  const session = conn.session;
  if (session === undefined) return;
  const packetId = packet.messageId ?? 0;
  if ((packet.reasonCode ?? 0) >= 0x80) {
    session.pubrec(packetId);
    session.pubcomp(packetId);
    return;
  }
  // Answer PUBREL either way (MQTT 3.1.1 §4.3.3); v5 says whether the id was known (0x92). Only once
  // the 'released' state is durable: a crash before it would re-send the PUBLISH after our PUBREL.
  session.pubrec(packetId, (known) =>
    conn.sendAck(
      PacketType.PUBREL,
      packetId,
      known ? ReasonCode.Success : ReasonCode.PacketIdentifierNotFound,
    ),
  );
}
