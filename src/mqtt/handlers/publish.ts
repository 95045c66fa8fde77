/**
 * Inbound PUBLISH (MQTT 3.1.1 §3.3, MQTT 5 §3.3). The common case — no v5 properties — is
 * decoded here straight from the frame, with no intermediate objects; a v5 PUBLISH with
 * properties goes through mqtt-packet. Both end in routePublish. PUBACK/PUBREC are sent only from
 * the core's `done` callback, once the message is durable.
 */
import type { IPublishPacket } from 'mqtt-packet';
import { type InboundPublish, type PublishOutcome, type QoS, ReasonCode } from '../../broker/types.js';
import type { MqttConnection } from '../connection.js';
import { MqttProtocolError } from '../errors.js';
import { publishProperties, validateTopicName } from '../topics.js';
import { tracePublish } from '../trace.js';
import { PacketType } from '../wire.js';

function malformed(message: string): never {
  throw new MqttProtocolError(ReasonCode.MalformedPacket, message);
}

/**
 * Fast path: decodes a PUBLISH without properties from the frame. Returns false when the
 * packet carries v5 properties, leaving it to mqtt-packet.
 */
export function handlePublishFrame(conn: MqttConnection, frame: Buffer, headerLength: number): boolean {
  const first = frame[0]!;
  const qos = (first >> 1) & 3;
  if (qos === 3) malformed('QoS 3 in PUBLISH [MQTT-3.3.1-4]');
  if (frame.length < headerLength + 2) malformed('PUBLISH too short for its topic length');
  const topicStart = headerLength + 2;
  const topicEnd = topicStart + frame.readUInt16BE(headerLength);
  let at = topicEnd;
  let packetId = 0;
  if (qos > 0) {
    if (at + 2 > frame.length) malformed('PUBLISH too short for its packet id');
    packetId = frame.readUInt16BE(at);
    at += 2;
  }
  if (conn.protocolVersion === 5) {
    if (at >= frame.length) malformed('PUBLISH too short for its properties');
    if (frame[at] !== 0) return false;
    at += 1;
  }
  if (at > frame.length) malformed('PUBLISH too short for its topic');
  const topic = topicEnd === topicStart ? '' : frame.toString('utf8', topicStart, topicEnd);
  // A copy: the frame is a view on a socket chunk that must not be kept alive by stored messages.
  const payload = Buffer.from(frame.subarray(at));
  routePublish(conn, topic, payload, qos as QoS, (first & 1) === 1, (first & 8) === 8, packetId, undefined);
  return true;
}

/** A v5 PUBLISH with properties, decoded by mqtt-packet. */
export function handlePublishPacket(conn: MqttConnection, packet: IPublishPacket): void {
  const props = packet.properties;
  if (props?.subscriptionIdentifier !== undefined) {
    throw new MqttProtocolError(
      ReasonCode.ProtocolError,
      'subscription identifier in PUBLISH [MQTT-3.3.4-6]',
    );
  }
  const payload =
    typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
  const alias = props?.topicAlias;
  routePublish(
    conn,
    packet.topic,
    payload,
    packet.qos,
    packet.retain,
    packet.dup,
    packet.messageId ?? 0,
    props,
    alias,
  );
}

function routePublish(
  conn: MqttConnection,
  topic: string,
  payload: Buffer,
  qos: QoS,
  retain: boolean,
  dup: boolean,
  packetId: number,
  wireProps: IPublishPacket['properties'],
  alias?: number,
): void {
  if (qos > 0 && packetId === 0) {
    throw new MqttProtocolError(ReasonCode.ProtocolError, 'packet id 0 in a QoS>0 PUBLISH [MQTT-2.3.1-1]');
  }
  if (qos > conn.options.maximumQos) {
    throw new MqttProtocolError(
      ReasonCode.QosNotSupported,
      `PUBLISH QoS ${qos} over maximum [MQTT-3.2.2-11]`,
    );
  }
  if (retain && !conn.options.retainAvailable) {
    throw new MqttProtocolError(ReasonCode.RetainNotSupported, 'retain is not available [MQTT-3.2.2-14]');
  }
  if (topic.length > 0) {
    const frame = conn.frame;
    const start = conn.frameHeaderLength + 2;
    validateTopicName(topic, frame, start, start + frame.readUInt16BE(conn.frameHeaderLength));
  }
  if (alias !== undefined) {
    if (conn.inboundAliases === undefined) {
      throw new MqttProtocolError(
        ReasonCode.TopicAliasInvalid,
        'topic alias while aliases are off [MQTT-3.3.2-8]',
      );
    }
    topic = conn.inboundAliases.resolve(topic, alias);
  } else if (topic.length === 0) {
    throw new MqttProtocolError(
      ReasonCode.ProtocolError,
      'zero-length topic without topic alias [MQTT-4.7.3-1]',
    );
  }
  if (conn.logger.debugEnabled) tracePublish(conn, 'in', dup, qos, retain, packetId, topic, payload.length);

  const message: InboundPublish = { topic, payload, qos, retain };
  if (wireProps !== undefined) {
    const properties = publishProperties(wireProps);
    if (properties !== undefined) message.properties = properties;
  }
  const session = conn.session;
  if (session === undefined) return;
  if (qos === 0) {
    session.publish(message);
    return;
  }
  message.packetId = packetId;
  if (dup) message.dup = true;
  takeInboundQuota(conn, qos, packetId);
  if (qos === 1) {
    session.publish(message, (outcome: PublishOutcome) => sendPuback(conn, packetId, outcome.reason));
  } else {
    session.publish(message, (outcome: PublishOutcome) => sendPubrec(conn, packetId, outcome.reason));
  }
}

/**
 * Counts an inbound QoS>0 PUBLISH against the Receive Maximum we announced; a v5 client over it
 * is disconnected with 0x93 [MQTT-3.3.4-9]. A re-sent QoS 2 id awaiting PUBREL is not counted twice.
 */
function takeInboundQuota(conn: MqttConnection, qos: QoS, packetId: number): void {
  if (qos === 2) {
    conn.inboundQos2 ??= new Set();
    if (conn.inboundQos2.has(packetId)) return;
    conn.inboundQos2.add(packetId);
  }
  conn.inboundQuotaUsed++;
  if (conn.protocolVersion === 5 && conn.inboundQuotaUsed > conn.options.receiveMaximum) {
    throw new MqttProtocolError(
      ReasonCode.ReceiveMaximumExceeded,
      `more than ${conn.options.receiveMaximum} QoS>0 PUBLISHes unacknowledged [MQTT-3.3.4-9]`,
    );
  }
}

export function releaseInboundQos2(conn: MqttConnection, packetId: number): void {
  if (conn.inboundQos2?.delete(packetId) === true) conn.inboundQuotaUsed--;
}

function sendPuback(conn: MqttConnection, packetId: number, reason: number): void {
  if (conn.state !== 'connected') return;
  conn.inboundQuotaUsed--;
  conn.sendAck(PacketType.PUBACK, packetId, reason);
}

function sendPubrec(conn: MqttConnection, packetId: number, reason: number): void {
  if (conn.state !== 'connected') return;
  // A failed PUBREC ends the QoS 2 exchange (MQTT 5 §4.3.3): the id and its quota are free again.
  if (reason >= 0x80) releaseInboundQos2(conn, packetId);
  conn.sendAck(PacketType.PUBREC, packetId, reason);
}
