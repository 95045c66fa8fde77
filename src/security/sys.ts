/**
 * The security counters where a user can read them: retained `$SYS/broker/security/...` topics,
 * published every sys_interval seconds when a value changed (and all of them once at start), the
 * way the core publishes `$SYS/broker/...` (src/broker/sys.ts). `mosquitto_sub -t
 * '$SYS/broker/security/#' -v` shows them; with an acl_file the reader needs `topic read $SYS/#`.
 *
 * Each limit of docs/security.md ("Counters and logs") has its topic here, except those the core
 * already publishes: messages dropped for max_queued_messages are `$SYS/broker/publish/messages/dropped`.
 */
import type { BrokerApi, BrokerMetrics } from '../broker/types.js';
import { CounterPublisher } from '../observe/counter-publisher.js';
import type { GuardCounters } from './guard.js';
import type { LimitCounters } from './limits.js';
import type { SnSecurityCounters } from './mqttsn.js';

export const SECURITY_SYS_PREFIX = '$SYS/broker/security/';

export interface SecurityCounterSources {
  limits: LimitCounters;
  /** Absent without acl_file and topic limits: nothing refused there. */
  guard?: GuardCounters;
  /** Absent without mqttsn_admission_file and acl_file. */
  mqttsn?: SnSecurityCounters;
  /** The core's metrics (subscriptionsRefused: max_subscriptions_per_client). */
  metrics: BrokerMetrics;
}

/** Every counter by topic, in a stable order (also what tests read). */
export function securityCounters(s: SecurityCounterSources): Map<string, number> {
  const p = SECURITY_SYS_PREFIX;
  return new Map<string, number>([
    [`${p}connections/accepted`, s.limits.accepted],
    [`${p}connections/refused/max_connections`, s.limits.refusedMaxConnections],
    [`${p}connections/refused/max_connections_per_address`, s.limits.refusedPerAddress],
    [`${p}connections/refused/connection_rate`, s.limits.refusedRate],
    [`${p}subscriptions/refused/max_subscriptions_per_client`, s.metrics.subscriptionsRefused ?? 0],
    [`${p}topics/refused/topic_limits`, s.guard?.topicLimit ?? 0],
    [`${p}acl/publish_denied`, s.guard?.publishDenied ?? 0],
    [`${p}acl/subscribe_denied`, s.guard?.subscribeDenied ?? 0],
    [`${p}acl/read_denied`, s.guard?.readDenied ?? 0],
    [`${p}mqttsn/refused_connects`, s.mqttsn?.refusedConnects ?? 0],
    [`${p}mqttsn/refused_qos_minus1`, s.mqttsn?.refusedQosMinus1 ?? 0],
  ]);
}

/** Security counters on `$SYS` (see CounterPublisher). */
export class SecuritySysPublisher extends CounterPublisher {
  constructor(broker: Pick<BrokerApi, 'publish'>, sources: SecurityCounterSources) {
    super(broker, () => securityCounters(sources));
  }
}
