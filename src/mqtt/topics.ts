/** Topic name checks and property conversion shared by PUBLISH and the will (MQTT 5 §4.7). */
import type { IPublishPacket } from 'mqtt-packet';
import { type PublishProperties, ReasonCode } from '../broker/types.js';
import { MqttProtocolError } from './errors.js';
import { utf8Problem } from './wire.js';

/**
 * A topic name: well-formed UTF-8 without U+0000 (a malformed packet, [MQTT-1.5.4-1]
 * [MQTT-1.5.4-2]) and without wildcards [MQTT-3.3.2-2]. When its raw bytes are at hand
 * (frame[start, end)) they are re-checked strictly; no object is built on this hot path.
 */
export function validateTopicName(topic: string, frame?: Buffer, start = 0, end = 0): void {
  const problem =
    frame === undefined
      ? topic.includes('\u0000')
        ? 'U+0000 in a UTF-8 string'
        : undefined
      : utf8Problem(topic, frame, start, end);
  if (problem !== undefined) throw new MqttProtocolError(ReasonCode.MalformedPacket, `${problem} in topic`);
  if (topic.includes('+') || topic.includes('#')) {
    // A protocol error for mosquitto 2.0.11 (v5 DISCONNECT 0x82), rather than 0x90.
    throw new MqttProtocolError(ReasonCode.ProtocolError, `wildcard in topic name '${topic}' [MQTT-3.3.2-2]`);
  }
}

type WireProperties = NonNullable<IPublishPacket['properties']>;

/** The pass-through properties of a PUBLISH or will, or undefined when it carries none. */
export function publishProperties(p: WireProperties): PublishProperties | undefined {
  const out: PublishProperties = {};
  let any = false;
  if (p.payloadFormatIndicator !== undefined) {
    out.payloadFormatIndicator = p.payloadFormatIndicator;
    any = true;
  }
  if (p.messageExpiryInterval !== undefined) {
    out.messageExpiryInterval = p.messageExpiryInterval;
    any = true;
  }
  if (p.contentType !== undefined) {
    out.contentType = p.contentType;
    any = true;
  }
  if (p.responseTopic !== undefined) {
    validateTopicName(p.responseTopic); // [MQTT-3.3.2-14]
    out.responseTopic = p.responseTopic;
    any = true;
  }
  if (p.correlationData !== undefined) {
    out.correlationData = Buffer.from(p.correlationData);
    any = true;
  }
  if (p.userProperties !== undefined) {
    out.userProperties = { ...p.userProperties };
    any = true;
  }
  return any ? out : undefined;
}

/** True when a delivery's properties hold anything to encode. */
export function hasProperties(p: PublishProperties | undefined): boolean {
  if (p === undefined) return false;
  for (const key in p) {
    if (p[key as keyof PublishProperties] !== undefined) return true;
  }
  return false;
}
