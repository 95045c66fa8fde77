/** Checks on the topic filters of SUBSCRIBE / UNSUBSCRIBE: UTF-8 and wildcard syntax. */
import { ReasonCode } from '../../broker/types.js';
import type { MqttConnection } from '../connection.js';
import { MqttProtocolError } from '../errors.js';
import { readVarInt, stringPositions, utf8Problem } from '../wire.js';

/**
 * mqtt-packet has already decoded the filters; the raw bytes are walked only when a filter
 * shows U+FFFD (a replaced bad sequence, or a real U+FFFD) or U+0000. `stride` is the number of
 * bytes after each filter (1: SUBSCRIBE options, 0: UNSUBSCRIBE).
 */
export function checkFilterStrings(conn: MqttConnection, filters: string[], stride: number): void {
  if (!filters.some((f) => f.includes('\uFFFD') || f.includes('\u0000'))) return;
  const frame = conn.frame;
  let at = conn.frameHeaderLength + 2; // packet id
  if (conn.protocolVersion === 5) {
    const props = readVarInt(frame, at);
    if (props === undefined) throw new MqttProtocolError(ReasonCode.MalformedPacket, 'bad property length');
    at += props[1] + props[0];
  }
  const positions = stringPositions(frame, at, stride);
  filters.forEach((filter, i) => {
    const [start, end] = positions[i] ?? [0, 0];
    const problem = utf8Problem(filter, frame, start, end);
    if (problem !== undefined) {
      throw new MqttProtocolError(ReasonCode.MalformedPacket, `${problem} in topic filter`);
    }
  });
}

/**
 * Wildcard syntax [MQTT-4.7.1-2] [MQTT-4.7.1-3] and non-empty filters [MQTT-4.7.3-1]. A bad
 * filter is a protocol violation that closes the connection (v5: DISCONNECT 0x81), as mosquitto
 * 2.0.11 does, rather than a SUBACK failure.
 */
export function checkFilterSyntax(filters: string[]): void {
  for (const filter of filters) {
    if (filter.length === 0)
      throw new MqttProtocolError(ReasonCode.MalformedPacket, 'empty topic filter [MQTT-4.7.3-1]');
    if (!filter.includes('+') && !filter.includes('#')) continue;
    const levels = filter.split('/');
    levels.forEach((level, i) => {
      const multi = level.includes('#');
      if ((multi && (level !== '#' || i !== levels.length - 1)) || (level.includes('+') && level !== '+')) {
        throw new MqttProtocolError(
          ReasonCode.MalformedPacket,
          `invalid topic filter '${filter}' [MQTT-4.7.1-2]`,
        );
      }
    });
  }
}
