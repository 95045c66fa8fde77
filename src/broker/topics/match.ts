/**
 * Matching one filter against one topic name (MQTT 5 §4.7). Used for retained messages on
 * subscribe; the routing hot path uses the subscription tree instead.
 */

/**
 * Does `filter` (valid, not `$share/`) match `topic` (valid name)? Topics starting with `$` are not
 * matched by a filter starting with a wildcard [MQTT-4.7.2-1].
 */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  const first = filter.charCodeAt(0);
  if (topic.charCodeAt(0) === 0x24 /* $ */ && (first === 0x2b || first === 0x23)) return false;
  let f = 0;
  let t = 0;
  for (;;) {
    const fEnd = indexOrEnd(filter, f);
    const level = filter.slice(f, fEnd);
    if (level === '#') return true; // also matches the parent level ("a/#" matches "a")
    if (t > topic.length) {
      return false;
    }
    const tEnd = indexOrEnd(topic, t);
    if (level !== '+' && level !== topic.slice(t, tEnd)) return false;
    f = fEnd + 1;
    t = tEnd + 1;
    if (f > filter.length) return t > topic.length;
    if (t > topic.length) {
      // Topic exhausted: only a trailing "#" still matches.
      return filter.slice(f) === '#';
    }
  }
}

function indexOrEnd(s: string, from: number): number {
  const i = s.indexOf('/', from);
  return i === -1 ? s.length : i;
}
