/**
 * The `-v` packet trace, worded like `mosquitto -v` so people can compare the two side by side:
 *   Received PUBLISH from client1 (d0, q1, r0, m1, 'a/b', ... (5 bytes))
 *   Sending PUBACK to client1 (m1, rc0)
 * Callers check logger.debugEnabled first, so nothing here runs when the trace is off.
 */
import type { Packet } from 'mqtt-packet';
import type { MqttConnection } from './connection.js';

const ACK_NAMES = ['', '', '', '', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP'];

function who(conn: MqttConnection): string {
  return conn.clientId === '' ? conn.peer : conn.clientId;
}

function b(flag: boolean | undefined): number {
  return flag === true ? 1 : 0;
}

export function tracePublish(
  conn: MqttConnection,
  direction: 'in' | 'out',
  dup: boolean,
  qos: number,
  retain: boolean,
  packetId: number,
  topic: string,
  payloadBytes: number,
): void {
  const head = direction === 'in' ? `Received PUBLISH from ${who(conn)}` : `Sending PUBLISH to ${who(conn)}`;
  conn.logger.debug(
    `${head} (d${b(dup)}, q${qos}, r${b(retain)}, m${packetId}, '${topic}', ... (${payloadBytes} bytes))`,
  );
}

export function traceAckSent(conn: MqttConnection, type: number, packetId: number, reason: number): void {
  const name = ACK_NAMES[type] ?? 'ACK';
  // 3.x acks carry no reason code: show what went on the wire, as mosquitto does.
  const sent = conn.protocolVersion === 5 ? reason : 0;
  const rc = name === 'PUBACK' || name === 'PUBREC' ? `, rc${sent}` : '';
  conn.logger.debug(`Sending ${name} to ${who(conn)} (m${packetId}${rc})`);
}

export function traceReceived(conn: MqttConnection, packet: Packet): void {
  const id = who(conn);
  switch (packet.cmd) {
    case 'connect':
      conn.logger.debug(
        `Received CONNECT from ${conn.peer} (p${packet.protocolVersion}, c${b(packet.clean)}, k${packet.keepalive}, '${packet.clientId}')`,
      );
      return;
    case 'puback':
    case 'pubcomp':
      conn.logger.debug(
        `Received ${packet.cmd.toUpperCase()} from ${id} (Mid: ${packet.messageId}, RC:${packet.reasonCode ?? 0})`,
      );
      return;
    case 'pubrec':
    case 'pubrel':
      conn.logger.debug(`Received ${packet.cmd.toUpperCase()} from ${id} (Mid: ${packet.messageId})`);
      return;
    case 'subscribe':
      conn.logger.debug(`Received SUBSCRIBE from ${id}`);
      for (const s of packet.subscriptions) conn.logger.debug(`\t${s.topic} (QoS ${s.qos})`);
      return;
    case 'unsubscribe':
      conn.logger.debug(`Received UNSUBSCRIBE from ${id}`);
      for (const t of packet.unsubscriptions) conn.logger.debug(`\t${t}`);
      return;
    case 'disconnect':
      conn.logger.debug(
        `Received DISCONNECT from ${id}${packet.reasonCode ? ` (rc${packet.reasonCode})` : ''}`,
      );
      return;
    default:
      conn.logger.debug(`Received ${packet.cmd.toUpperCase()} from ${id}`);
  }
}

export function traceSent(conn: MqttConnection, packet: Packet): void {
  const id = who(conn);
  switch (packet.cmd) {
    case 'connack': {
      const rc = conn.protocolVersion === 5 ? packet.reasonCode : packet.returnCode;
      conn.logger.debug(`Sending CONNACK to ${id} (${b(packet.sessionPresent)}, ${rc ?? 0})`);
      return;
    }
    case 'pubrel':
      conn.logger.debug(`Sending PUBREL to ${id} (m${packet.messageId})`);
      return;
    case 'disconnect':
      conn.logger.debug(`Sending DISCONNECT to ${id} (rc${packet.reasonCode ?? 0})`);
      return;
    default:
      conn.logger.debug(`Sending ${packet.cmd.toUpperCase()} to ${id}`);
  }
}
