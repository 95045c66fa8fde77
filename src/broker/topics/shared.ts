/**
 * Choosing the member of a shared subscription group that receives a message (MQTT 5 §4.8.2):
 * round robin over the members, preferring connected ones; if none is connected the next member
 * in turn gets it (queued for later, like any offline persistent session).
 */
import type { SharedGroup, SubEntry } from './subscription-tree.js';

export function pickSharedMember<S>(
  group: SharedGroup<S>,
  isConnected: (owner: S) => boolean,
): SubEntry<S> | undefined {
  const n = group.members.length;
  if (n === 0) return undefined;
  const start = group.next % n;
  for (let k = 0; k < n; k++) {
    const i = (start + k) % n;
    const member = group.members[i]!;
    if (isConnected(member.owner)) {
      group.next = i + 1;
      return member;
    }
  }
  group.next = start + 1;
  return group.members[start];
}
