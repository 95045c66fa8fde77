/**
 * Topic matching for access control, self-contained so security does not reach into the
 * broker's internals. Rules of MQTT 3.1.1 §4.7 / MQTT 5 §4.7: `+` one level, `#` the rest
 * (parent included), and a filter starting with a wildcard never matches a `$` topic [MQTT-4.7.2-1].
 */

/** Does `filter` match the topic name `topic`? */
export function filterMatchesTopic(filter: readonly string[], topic: readonly string[]): boolean {
  if (topic[0]?.startsWith('$') === true && (filter[0] === '+' || filter[0] === '#')) return false;
  for (let i = 0; i < filter.length; i++) {
    const f = filter[i]!;
    if (f === '#') return true;
    if (i >= topic.length) return false;
    if (f !== '+' && f !== topic[i]) return false;
  }
  return filter.length === topic.length;
}

/**
 * Does `outer` cover `inner`, both filters: is every topic that `inner` matches also matched by
 * `outer`? (ACL `sensors/#` covers `sensors/+/temp`; it does not cover `#`.)
 */
export function filterCoversFilter(outer: readonly string[], inner: readonly string[]): boolean {
  if (inner[0]?.startsWith('$') === true && (outer[0] === '+' || outer[0] === '#')) return false;
  for (let i = 0; i < outer.length; i++) {
    const o = outer[i]!;
    if (o === '#') return true;
    const n = inner[i];
    if (n === undefined) return false;
    if (n === '#') return false; // inner reaches deeper than a non-# outer level
    if (o !== '+' && (n === '+' || n !== o)) return false;
  }
  return outer.length === inner.length;
}

/** A topic or filter split into its levels. */
export function levels(topic: string): string[] {
  return topic.split('/');
}

/** `$share/group/filter` → `filter` (MQTT 5 §4.8.2): rights are about the topics, not the group. */
export function withoutSharePrefix(filter: string): string {
  if (!filter.startsWith('$share/')) return filter;
  const slash = filter.indexOf('/', '$share/'.length);
  return slash < 0 ? filter : filter.slice(slash + 1);
}
