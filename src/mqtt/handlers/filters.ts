/** UTF-8 checks on the topic filters of SUBSCRIBE / UNSUBSCRIBE [MQTT-1.5.4-1] [MQTT-1.5.4-2]. */
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
