/**
 * Peer-chosen text (an MQTT-SN ClientId is any UTF-8, MQTT-SN §5.3.1; a short topic name is any
 * two octets, §6.7) put into a log line with its control characters escaped, so that a ClientId
 * holding "\n" cannot write a log line of its own. Plain ids come out unchanged.
 */
export function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
