/**
 * Turns a packet the broker sent into a transcript entry holding only what a client can observe
 * and what both brokers must agree on. What legitimately differs is dropped or replaced, each for
 * a stated reason:
 * - CONNACK properties that describe configuration (receive maximum, topic alias maximum,
 *   maximum packet size, retain/wildcard/shared/subscription-id availability, maximum QoS,
 *   server keep-alive): the two brokers are configured differently, and a client must read them,
 *   not assume them (MQTT 5 §3.2.2.3).
 * - Assigned client identifier: its presence matters, its value is the server's choice
 *   (MQTT 5 §3.2.2.3.7) — kept as "<assigned>".
 * - Reason strings: human-readable and optional (MQTT 5 §3.2.2.3.9 "SHOULD NOT be parsed").
 * - Packet identifiers of PUBLISHes the broker sends: the server allocates them (MQTT 5 §2.2.1);
 *   kept only as "present" so that QoS 0 vs QoS>0 still shows. They do differ: mosquitto takes
 *   an id when it queues a message (one that then expires offline has used one up), we take one
 *   when we transmit; the spec only asks for ids not in use [MQTT-2.2.1-3].
 * - Several subscription identifiers in one PUBLISH: their order is not specified (MQTT 5
 *   §3.3.2.3.8), so they are sorted.
 */
import type { Packet } from 'mqtt-packet';

export type Entry = Record<string, unknown>;

const CONFIG_CONNACK_PROPERTIES = new Set([
  'receiveMaximum',
  'topicAliasMaximum',
  'maximumPacketSize',
  'retainAvailable',
  'wildcardSubscriptionAvailable',
  'sharedSubscriptionAvailable',
  'subscriptionIdentifiersAvailable',
  'maximumQoS',
  'serverKeepAlive',
  'reasonString',
]);

function compact(entry: Entry): Entry {
  for (const key of Object.keys(entry)) if (entry[key] === undefined) delete entry[key];
  return entry;
}

function cleanProperties(
  properties: Record<string, unknown> | undefined,
  drop: Set<string>,
): Record<string, unknown> | undefined {
  if (!properties) return undefined;
  const kept: Record<string, unknown> = {};
  // Sorted: the order of properties in a packet carries no meaning (MQTT 5 §2.2.2.2).
  for (const [key, value] of Object.entries(properties).sort(([a], [b]) => a.localeCompare(b))) {
    if (drop.has(key)) continue;
    if (key === 'assignedClientIdentifier') kept[key] = '<assigned>';
    else if (key === 'subscriptionIdentifier') {
      kept[key] = (Array.isArray(value) ? [...value] : [value]).sort((a, b) => Number(a) - Number(b));
    } else if (Buffer.isBuffer(value)) kept[key] = value.toString('hex');
    else kept[key] = value;
  }
  return Object.keys(kept).length > 0 ? kept : undefined;
}

const REASON_STRING_ONLY = new Set(['reasonString']);

/** UTF-8 text when the bytes are valid UTF-8, else `hex:…` (so that no two payloads look alike). */
function payloadText(payload: Buffer | string): string {
  const buffer = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const text = buffer.toString('utf8');
  return Buffer.from(text, 'utf8').equals(buffer) ? text : `hex:${buffer.toString('hex')}`;
}

export function normalise(p: Packet): Entry {
  switch (p.cmd) {
    case 'connack':
      return compact({
        cmd: 'connack',
        sessionPresent: p.sessionPresent,
        code: p.reasonCode ?? p.returnCode,
        properties: cleanProperties(p.properties as Record<string, unknown>, CONFIG_CONNACK_PROPERTIES),
      });
    case 'publish':
      return compact({
        cmd: 'publish',
        topic: p.topic,
        payload: payloadText(p.payload),
        qos: p.qos,
        retain: p.retain,
        dup: p.dup,
        packetId: p.qos > 0 ? (p.messageId !== undefined ? 'present' : 'MISSING') : undefined,
        properties: cleanProperties(p.properties as Record<string, unknown>, REASON_STRING_ONLY),
      });
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return compact({ cmd: p.cmd, code: p.reasonCode ?? 0 });
    case 'suback':
      return { cmd: 'suback', granted: p.granted };
    case 'unsuback':
      return compact({ cmd: 'unsuback', granted: (p as { granted?: number[] }).granted });
    case 'disconnect':
      return compact({
        cmd: 'disconnect',
        code: p.reasonCode ?? 0,
        properties: cleanProperties(p.properties as Record<string, unknown>, REASON_STRING_ONLY),
      });
    default:
      return { cmd: p.cmd };
  }
}

/** `publish o/x "live" qos=1 retain=0 dup=0 id props={...}` — one readable line per entry. */
export function formatEntry(entry: Entry): string {
  const { cmd, event, topic, payload, properties, ...rest } = entry;
  const parts: string[] = [String(cmd ?? event)];
  if (topic !== undefined) parts.push(String(topic));
  if (payload !== undefined) parts.push(JSON.stringify(payload));
  for (const [key, value] of Object.entries(rest)) {
    const shown = typeof value === 'boolean' ? Number(value) : value;
    parts.push(`${key}=${typeof shown === 'object' ? JSON.stringify(shown) : String(shown)}`);
  }
  if (properties !== undefined) parts.push(`props=${JSON.stringify(properties)}`);
  return parts.join(' ');
}

/**
 * A remaining message expiry interval as a band: mosquitto counts whole seconds of its clock,
 * we count milliseconds, so the same delivery can say 998 on one side and 997 on the other when
 * a second ticks in between. Values within `slack` seconds below one of `published` become
 * "≈N" on both sides (MQTT 5 §3.3.2.3.3 only asks for the time remaining).
 */
export function approximateExpiry(published: number[], slack = 3): (line: string) => string {
  return (line) =>
    line.replace(/"messageExpiryInterval":(\d+)/g, (whole, digits: string) => {
      const value = Number(digits);
      const near = published.find((p) => value <= p && value >= p - slack);
      return near === undefined ? whole : `"messageExpiryInterval":"≈${near}"`;
    });
}
