/**
 * The Authorizer the broker gets: the ACL (when acl_file is set) plus max_topic_length and
 * max_topic_levels, so both front ends (MQTT and MQTT-SN) are held to the same rules in one
 * place — the core asks it for every PUBLISH, SUBSCRIBE, will and delivery. A topic over a limit
 * is refused like a topic without rights (v5 0x87 / SUBACK 0x80 / MQTT-SN 0x03 per front end),
 * logged with the client and the limit, and counted.
 */
import type { Authorizer } from '../broker/types.js';
import type { Logger } from '../observe/logger.js';
import { printable } from '../observe/printable.js';
import { withoutSharePrefix } from './topic-filter.js';
import { hasTopicLimits, type TopicLimits, topicLimitViolation } from './topic-limits.js';

export interface GuardCounters {
  /** PUBLISH, will or SUBSCRIBE refused for max_topic_length / max_topic_levels. */
  topicLimit: number;
  /** Refused by the ACL. */
  publishDenied: number;
  subscribeDenied: number;
  /** Deliveries withheld by the ACL (retained messages included). */
  readDenied: number;
}

export class GuardedAuthorizer implements Authorizer {
  readonly counters: GuardCounters = { topicLimit: 0, publishDenied: 0, subscribeDenied: 0, readDenied: 0 };
  private readonly limited: boolean;

  constructor(
    private readonly inner: Authorizer | undefined,
    private readonly limits: TopicLimits,
    private readonly logger: Logger,
  ) {
    this.limited = hasTopicLimits(limits);
  }

  private overLimit(clientId: string, what: string, topic: string): boolean {
    if (!this.limited) return false;
    const violation = topicLimitViolation(topic, this.limits);
    if (violation === undefined) return false;
    this.counters.topicLimit++;
    this.logger.warn(`Client ${printable(clientId)}: ${what} refused: ${violation}`);
    return true;
  }

  canPublish(clientId: string, username: string | undefined, topic: string): boolean {
    if (this.overLimit(clientId, 'PUBLISH', topic)) return false;
    if (this.inner === undefined || this.inner.canPublish(clientId, username, topic)) return true;
    this.counters.publishDenied++;
    return false;
  }

  canSubscribe(clientId: string, username: string | undefined, filter: string): boolean {
    if (this.overLimit(clientId, 'SUBSCRIBE', withoutSharePrefix(filter))) return false;
    if (this.inner === undefined || this.inner.canSubscribe(clientId, username, filter)) return true;
    this.counters.subscribeDenied++;
    return false;
  }

  canRead(clientId: string, username: string | undefined, topic: string): boolean {
    if (this.inner === undefined || this.inner.canRead(clientId, username, topic)) return true;
    this.counters.readDenied++;
    return false;
  }
}

/** The broker's authorizer, or undefined when there is neither an ACL nor a topic limit. */
export function guardedAuthorizer(
  inner: Authorizer | undefined,
  limits: TopicLimits,
  logger: Logger,
): GuardedAuthorizer | undefined {
  return inner === undefined && !hasTopicLimits(limits)
    ? undefined
    : new GuardedAuthorizer(inner, limits, logger);
}
