/**
 * The one dispatcher: packet-order rules ([MQTT-3.1.0-1] CONNECT first, [MQTT-3.1.0-2] only
 * once), which packets a client may send, and the single mapping of failures to protocol answers
 * (mosquitto read_handle.c, aedes lib/handlers/index.js).
 */
import type { IConnackPacket, Packet } from 'mqtt-packet';
import { ReasonCode } from '../broker/types.js';
import { decodePacket } from './codec.js';
import { decodeCommonConnect } from './connect-decode.js';
import type { MqttConnection } from './connection.js';
import { ConnackV3, connackCode, describeReason, MqttProtocolError } from './errors.js';
import { handleAuth } from './handlers/auth.js';
import { handleConnect, precheckConnect } from './handlers/connect.js';
import { handleDisconnect } from './handlers/disconnect.js';
import { handlePingreq } from './handlers/pingreq.js';
import { handlePuback, handlePubackId } from './handlers/puback.js';
import { handlePubcomp } from './handlers/pubcomp.js';
import { handlePublishFrame, handlePublishPacket } from './handlers/publish.js';
import { handlePubrec } from './handlers/pubrec.js';
import { handlePubrel } from './handlers/pubrel.js';
import { handleSubscribe } from './handlers/subscribe.js';
import { handleUnsubscribe } from './handlers/unsubscribe.js';
import { withReasonString } from './reason-string.js';
import { traceReceived } from './trace.js';
import { PacketType } from './wire.js';

/** PUBACK with its reserved flags 0000 [MQTT-3.4.1-1]; anything else goes through mqtt-packet. */
const PUBACK_FIRST_BYTE = PacketType.PUBACK << 4;

const SERVER_TO_CLIENT_ONLY = new Set<number>([
  PacketType.CONNACK,
  PacketType.SUBACK,
  PacketType.UNSUBACK,
  PacketType.PINGRESP,
]);

/** Routes one complete packet (fixed header included). Never throws. */
export function dispatchFrame(conn: MqttConnection, frame: Buffer, headerLength: number): void {
  try {
    const type = frame[0]! >> 4;
    if (conn.state === 'awaiting-connect') {
      // The connection already checked that the first byte is CONNECT's.
      precheckConnect(conn, frame, headerLength);
      const version = conn.protocolVersion;
      dispatchPacket(conn, decodeCommonConnect(frame, headerLength, version) ?? decodePacket(frame, version));
      return;
    }
    if (type === PacketType.PUBLISH) {
      if (handlePublishFrame(conn, frame, headerLength)) return;
    } else if (frame.length === 4 && frame[0] === PUBACK_FIRST_BYTE && !conn.logger.debugEnabled) {
      // A plain PUBACK (packet id, no reason code: MQTT 5 §3.4.2.1) is read here without
      // mqtt-packet, whose parser allocates a packet object and buffer-list copies per ack:
      // one of these per QoS 1 delivery (issue 2, young-generation pressure).
      handlePubackId(conn, frame.readUInt16BE(2));
      return;
    } else if (type === PacketType.CONNECT) {
      // v5 gets DISCONNECT 0x82 before the close (issue 2: "the right v5 reason code"; MQTT 5
      // §4.13.1 lets a server send it). mosquitto 2.0.11 closes silently: a documented deviation.
      throw new MqttProtocolError(ReasonCode.ProtocolError, 'second CONNECT [MQTT-3.1.0-2]');
    } else if (type === 0) {
      throw new MqttProtocolError(ReasonCode.MalformedPacket, 'reserved packet type 0');
    } else if (SERVER_TO_CLIENT_ONLY.has(type)) {
      throw new MqttProtocolError(ReasonCode.ProtocolError, `packet type ${type} is sent by servers only`);
    } else if (type === PacketType.AUTH && conn.protocolVersion !== 5) {
      throw new MqttProtocolError(ReasonCode.MalformedPacket, 'packet type 15 is reserved before MQTT 5');
    }
    dispatchPacket(conn, decodePacket(frame, conn.protocolVersion));
  } catch (error) {
    failConnection(conn, error);
  }
}

/** A packet decoded by mqtt-packet, to its handler. Throws MqttProtocolError. */
function dispatchPacket(conn: MqttConnection, packet: Packet): void {
  if (conn.logger.debugEnabled && packet.cmd !== 'publish') traceReceived(conn, packet);
  switch (packet.cmd) {
    case 'connect':
      handleConnect(conn, packet);
      return;
    case 'publish':
      handlePublishPacket(conn, packet);
      return;
    case 'puback':
      handlePuback(conn, packet);
      return;
    case 'pubrec':
      handlePubrec(conn, packet);
      return;
    case 'pubrel':
      handlePubrel(conn, packet);
      return;
    case 'pubcomp':
      handlePubcomp(conn, packet);
      return;
    case 'subscribe':
      handleSubscribe(conn, packet);
      return;
    case 'unsubscribe':
      handleUnsubscribe(conn, packet);
      return;
    case 'pingreq':
      handlePingreq(conn);
      return;
    case 'disconnect':
      handleDisconnect(conn, packet);
      return;
    case 'auth':
      handleAuth(conn, packet);
      return;
    default:
      throw new MqttProtocolError(ReasonCode.ProtocolError, `unexpected ${packet.cmd} from a client`);
  }
}

/** 3.1/3.1.1 refusals that have a CONNACK return code; other CONNECT failures just close. */
function isV3Refusal(reason: number): boolean {
  const code = connackCode(reason, 4);
  return code !== ConnackV3.ServerUnavailable || reason === ReasonCode.ServerUnavailable;
}

/**
 * Every failure ends here: a log line naming the peer and the reason, the protocol's answer
 * (v5 CONNACK or DISCONNECT with the reason code, 3.x CONNACK refusal codes), then the close.
 * The will is published, as for any connection closed on a protocol error [MQTT-3.1.2-8].
 */
export function failConnection(conn: MqttConnection, error: unknown): void {
  if (conn.state === 'closed') return;
  const reason = error instanceof MqttProtocolError ? error.reason : ReasonCode.ImplementationSpecificError;
  const message = error instanceof Error ? error.message : String(error);
  const who = conn.clientId === '' ? '<unknown>' : conn.clientId;
  const line = `Client ${who} from ${conn.peer}: ${message}; closing (${describeReason(reason)}).`;
  // Bad input is the client's fault (warning); anything else is a bug of ours, logged as an error.
  if (error instanceof MqttProtocolError) conn.logger.warn(line);
  else conn.logger.error(`${line} ${error instanceof Error ? (error.stack ?? '') : ''}`);
  if (conn.state === 'awaiting-connect') {
    // A malformed CONNECT is closed without CONNACK, as mosquitto 2.0.11 does [MQTT-3.1.4-1].
    const v5Answer = conn.protocolVersion === 5 && reason !== ReasonCode.MalformedPacket;
    if (v5Answer || (conn.protocolVersion > 0 && conn.protocolVersion < 5 && isV3Refusal(reason))) {
      const code = connackCode(reason, conn.protocolVersion);
      const connack: IConnackPacket = {
        cmd: 'connack',
        sessionPresent: false,
        returnCode: code,
        reasonCode: code,
      };
      conn.send(v5Answer ? withReasonString(connack, message, conn.clientMaximumPacketSize) : connack);
    }
  } else if (conn.protocolVersion === 5) {
    conn.send(
      withReasonString({ cmd: 'disconnect', reasonCode: reason }, message, conn.clientMaximumPacketSize),
    );
  }
  conn.terminate(true);
}
