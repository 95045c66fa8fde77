/**
 * MQTT 5 Reason Strings on what the server sends when it refuses or closes (CONNACK, DISCONNECT):
 * the same human-readable reason as the log line, so a v5 client can show why it was dropped
 * (MQTT 5 §3.2.2.3.9, §3.14.2.2.3). Request Problem Information does not apply to these two
 * packets [MQTT-3.1.2-29].
 */
import { generate, type IConnackPacket, type IDisconnectPacket } from 'mqtt-packet';

/** Long enough to name the reason; a topic quoted in it cannot make the packet big. */
const MAX_REASON_STRING = 200;

/** A UTF-8 string the client must accept: no control characters [MQTT-1.5.4-2], bounded. */
function cleanReason(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > MAX_REASON_STRING ? `${clean.slice(0, MAX_REASON_STRING - 1)}…` : clean;
}

/**
 * `packet` with a Reason String, unless it would take the packet over the client's Maximum
 * Packet Size (0 = none) [MQTT-3.2.2-19] [MQTT-3.14.2-3].
 */
export function withReasonString<P extends IConnackPacket | IDisconnectPacket>(
  packet: P,
  text: string,
  clientMaximumPacketSize: number,
): P {
  const withString: P = { ...packet, properties: { ...packet.properties, reasonString: cleanReason(text) } };
  if (
    clientMaximumPacketSize > 0 &&
    generate(withString, { protocolVersion: 5 }).length > clientMaximumPacketSize
  ) {
    return packet;
  }
  return withString;
}
