/**
 * PUBREL from the client (MQTT 3.1.1 §3.6): the core releases the packet id once durable, then
 * PUBCOMP goes out (0x92 in v5 when the id was unknown).
 */
import type { IPubrelPacket } from 'mqtt-packet';
import type { ReasonCode } from '../../broker/types.js';
import type { MqttConnection } from '../connection.js';
import { PacketType } from '../wire.js';
import { releaseInboundQos2 } from './publish.js';

export function handlePubrel(conn: MqttConnection, packet: IPubrelPacket): void {
  const packetId = packet.messageId ?? 0;
  conn.session?.pubrel(packetId, (reason: ReasonCode) => {
    if (conn.state !== 'connected') return;
    releaseInboundQos2(conn, packetId);
    conn.sendAck(PacketType.PUBCOMP, packetId, reason);
  });
}
