/**
 * SUBSCRIBE (MQTT 3.1.1 §3.8, MQTT 5 §3.8): v5 subscription options and identifier; the core
 * grants per filter. 3.x clients get 0x80 for any failure [MQTT-3.9.3-2].
 */
import type { ISubscribePacket } from 'mqtt-packet';
import { ReasonCode, type SubscriptionRequest } from '../../broker/types.js';
import type { MqttConnection } from '../connection.js';
import { MqttProtocolError, subackCode } from '../errors.js';
import { checkFilterStrings, checkFilterSyntax } from './filters.js';

const MAX_SUBSCRIPTION_ID = 268_435_455;

export function handleSubscribe(conn: MqttConnection, packet: ISubscribePacket): void {
  const packetId = packet.messageId ?? 0;
  if (packetId === 0)
    throw new MqttProtocolError(ReasonCode.ProtocolError, 'SUBSCRIBE packet id 0 [MQTT-2.3.1-1]');
  if (packet.subscriptions.length === 0) {
    throw new MqttProtocolError(ReasonCode.ProtocolError, 'SUBSCRIBE without topic filters [MQTT-3.8.3-3]');
  }
  const filters = packet.subscriptions.map((s) => s.topic);
  checkFilterStrings(conn, filters, 1);
  checkFilterSyntax(filters);
  const v5 = conn.protocolVersion === 5;
  const subscriptionId = packet.properties?.subscriptionIdentifier;
  if (subscriptionId !== undefined) {
    if (typeof subscriptionId !== 'number' || subscriptionId < 1 || subscriptionId > MAX_SUBSCRIPTION_ID) {
      // A protocol error by the spec; mosquitto 2.0.11 answers 0x81 Malformed Packet, as do we.
      throw new MqttProtocolError(
        ReasonCode.MalformedPacket,
        'invalid subscription identifier (MQTT 5 §3.8.2.1.2)',
      );
    }
  }
  const requests = packet.subscriptions.map((s): SubscriptionRequest => {
    const request: SubscriptionRequest = { filter: s.topic, qos: s.qos };
    if (v5) {
      if (s.nl === true) request.noLocal = true;
      if (s.rap === true) request.retainAsPublished = true;
      if (s.rh !== undefined && s.rh !== 0) request.retainHandling = s.rh as 1 | 2;
      if (subscriptionId !== undefined) request.subscriptionId = subscriptionId;
    }
    return request;
  });
  const session = conn.session;
  if (session === undefined) return;
  const codes = session.subscribe(requests);
  for (let i = 0; i < codes.length; i++) {
    if (codes[i]! >= 0x80) {
      conn.logger.info(
        `Client ${conn.clientId}: subscription to '${requests[i]!.filter}' refused (0x${codes[i]!.toString(16)}).`,
      );
    }
  }
  conn.send({
    cmd: 'suback',
    messageId: packetId,
    granted: codes.map((c) => subackCode(c, conn.protocolVersion)),
  });
}
