/**
 * Outbound PUBLISH: what the core hands to ClientLink.deliver, encoded for this client's
 * protocol version, with outbound topic aliases up to the client's maximum [MQTT-3.3.2-11].
 */
import { generate, type IPublishPacket } from 'mqtt-packet';
import type { Delivery } from '../../broker/types.js';
import type { MqttConnection } from '../connection.js';
import { hasProperties } from '../topics.js';
import { tracePublish } from '../trace.js';
import { encodeFastPublish, fastPublishSize } from '../wire.js';

const DEFAULT_MAX_WRITE_BUFFER = 8 * 1024 * 1024;

function needsFullEncoder(conn: MqttConnection, delivery: Delivery): boolean {
  return (
    conn.protocolVersion === 5 &&
    (hasProperties(delivery.properties) ||
      (delivery.subscriptionIds !== undefined && delivery.subscriptionIds.length > 0))
  );
}

function fullPublishPacket(delivery: Delivery, topic: string, alias: number): IPublishPacket {
  const packet: IPublishPacket = {
    cmd: 'publish',
    topic,
    payload: delivery.payload,
    qos: delivery.qos,
    retain: delivery.retain,
    dup: delivery.dup,
    properties: { ...delivery.properties },
  };
  if (delivery.packetId !== undefined) packet.messageId = delivery.packetId;
  const props = packet.properties!;
  if (alias > 0) props.topicAlias = alias;
  const ids = delivery.subscriptionIds;
  if (ids !== undefined && ids.length > 0) props.subscriptionIdentifier = ids.length === 1 ? ids[0]! : ids;
  return packet;
}

/** Encoded size of a delivery with its full topic (LinkInfo.deliverySize, [MQTT-3.1.2-25]). */
export function deliverySize(conn: MqttConnection, delivery: Delivery): number {
  if (needsFullEncoder(conn, delivery)) {
    return generate(fullPublishPacket(delivery, delivery.topic, 0), conn.encodeOptions).length;
  }
  const topicBytes = Buffer.byteLength(delivery.topic);
  return fastPublishSize(topicBytes, delivery.payload.length, delivery.qos, conn.protocolVersion === 5, 0);
}

/**
 * The last QoS 0 PUBLISH encoded without alias or properties. A fan-out hands the same message
 * to many links in a row; they all write this one buffer instead of an encoding each.
 */
const lastEncoded: { payload: Buffer | undefined; topic: string; flags: number; buf: Buffer } = {
  payload: undefined,
  topic: '',
  flags: -1,
  buf: Buffer.alloc(0),
};

function encodeQos0Shared(
  topic: string,
  payload: Buffer,
  retain: boolean,
  dup: boolean,
  v5: boolean,
): Buffer {
  const flags = (retain ? 1 : 0) | (dup ? 2 : 0) | (v5 ? 4 : 0);
  const last = lastEncoded;
  if (last.payload === payload && last.topic === topic && last.flags === flags) return last.buf;
  const buf = encodeFastPublish(topic, payload, 0, retain, dup, 0, v5, 0);
  last.payload = payload;
  last.topic = topic;
  last.flags = flags;
  last.buf = buf;
  return buf;
}

export function deliverPublish(conn: MqttConnection, delivery: Delivery): void {
  // A subscriber that does not read must not grow our memory: QoS 0 is dropped and counted;
  // QoS>0 is bounded by the core's in-flight window.
  const limit = conn.options.maxWriteBuffer ?? DEFAULT_MAX_WRITE_BUFFER;
  if (delivery.qos === 0 && conn.socket.writableLength > limit) {
    conn.broker.metrics.publishDropped++;
    if (!conn.droppingQos0) {
      conn.droppingQos0 = true;
      conn.logger.warn(
        `Client ${conn.clientId} (${conn.peer}) is not reading: dropping QoS 0 messages while over ${limit} bytes wait.`,
      );
    }
    return;
  }
  conn.droppingQos0 = false;
  let topic = delivery.topic;
  let alias = 0;
  const aliases = conn.outboundAliases;
  if (aliases !== undefined) {
    alias = aliases.known(topic);
    if (alias > 0) topic = '';
    else alias = aliases.assign(topic);
  }
  if (conn.logger.debugEnabled) {
    tracePublish(
      conn,
      'out',
      delivery.dup,
      delivery.qos,
      delivery.retain,
      delivery.packetId ?? 0,
      delivery.topic,
      delivery.payload.length,
    );
  }
  const v5 = conn.protocolVersion === 5;
  if (delivery.qos === 0 && alias === 0 && !needsFullEncoder(conn, delivery)) {
    conn.writeBuffer(encodeQos0Shared(topic, delivery.payload, delivery.retain, delivery.dup, v5));
    return;
  }
  const buf = needsFullEncoder(conn, delivery)
    ? generate(fullPublishPacket(delivery, topic, alias), conn.encodeOptions)
    : encodeFastPublish(
        topic,
        delivery.payload,
        delivery.qos,
        delivery.retain,
        delivery.dup,
        delivery.packetId ?? 0,
        v5,
        alias,
      );
  conn.writeBuffer(buf);
}
