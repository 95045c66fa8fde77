/**
 * Topic name and topic filter validation (MQTT 5 §4.7, MQTT 3.1.1 §4.7).
 * Pure functions over strings; the front ends have already decoded UTF-8.
 */

/** [MQTT-4.7.3-3] Topic names and filters are UTF-8 strings of at most 65535 bytes. */
export const MAX_TOPIC_BYTES = 65535;

const SHARE_PREFIX = '$share/';

function tooLong(s: string): boolean {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only measure when it could matter.
  return s.length * 3 > MAX_TOPIC_BYTES && Buffer.byteLength(s, 'utf8') > MAX_TOPIC_BYTES;
}

/**
 * A topic name for PUBLISH: at least one character [MQTT-4.7.3-1], no wildcards [MQTT-3.3.2-2],
 * no U+0000 [MQTT-4.7.3-2], at most 65535 bytes.
 */
export function isValidTopicName(topic: string): boolean {
  if (topic.length === 0) return false;
  if (topic.indexOf('+') !== -1 || topic.indexOf('#') !== -1 || topic.indexOf('\u0000') !== -1) return false;
  return !tooLong(topic);
}

/**
 * A plain topic filter: wildcards only as whole levels [MQTT-4.7.1-2], `#` only as the last level
 * [MQTT-4.7.1-1], no U+0000, not empty [MQTT-4.7.3-1], at most 65535 bytes.
 */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.indexOf('\u0000') !== -1 || tooLong(filter)) return false;
  let start = 0;
  for (;;) {
    const slash = filter.indexOf('/', start);
    const end = slash === -1 ? filter.length : slash;
    const len = end - start;
    for (let i = start; i < end; i++) {
      const c = filter.charCodeAt(i);
      if (c === 0x2b /* + */ && len !== 1) return false;
      if (c === 0x23 /* # */ && (len !== 1 || slash !== -1)) return false;
    }
    if (slash === -1) return true;
    start = slash + 1;
  }
}

export type ParsedFilter =
  | { ok: true; filter: string; shareGroup: string | undefined }
  | { ok: false; reason: 'invalid-filter' | 'invalid-share' };

/**
 * Parse a subscription filter, `$share/<group>/<filter>` included (MQTT 5 §4.8.2): the group name
 * is non-empty and holds no `/`, `+` or `#` [MQTT-4.8.2-2]; the rest is a valid filter.
 */
export function parseFilter(raw: string): ParsedFilter {
  if (raw.startsWith(SHARE_PREFIX)) {
    const slash = raw.indexOf('/', SHARE_PREFIX.length);
    if (slash === -1) return { ok: false, reason: 'invalid-share' };
    const group = raw.slice(SHARE_PREFIX.length, slash);
    if (group.length === 0 || group.indexOf('+') !== -1 || group.indexOf('#') !== -1) {
      return { ok: false, reason: 'invalid-share' };
    }
    const filter = raw.slice(slash + 1);
    if (!isValidTopicFilter(filter)) return { ok: false, reason: 'invalid-filter' };
    return { ok: true, filter, shareGroup: group };
  }
  if (!isValidTopicFilter(raw)) return { ok: false, reason: 'invalid-filter' };
  return { ok: true, filter: raw, shareGroup: undefined };
}

export function hasWildcard(filter: string): boolean {
  return filter.indexOf('+') !== -1 || filter.indexOf('#') !== -1;
}
