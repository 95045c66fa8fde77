/**
 * Choosing the member of a shared subscription group that receives a message (MQTT 5 §4.8.2):
 * plain round robin over the members in subscription order, connected or not — an offline
 * persistent member gets its turn queued (QoS 0 to it is dropped), exactly as mosquitto 2.0
 * does (subs.c subs__shared_process; checked by test/differential/20-sessions-more). The spec
 * lets the server choose; users comparing with mosquitto see the same distribution.
 */
import type { SharedGroup, SubEntry } from './subscription-tree.js';

export function pickSharedMember<S>(group: SharedGroup<S>): SubEntry<S> | undefined {
  const n = group.members.length;
  if (n === 0) return undefined;
  const i = group.next % n;
  group.next = i + 1;
  return group.members[i];
}
