/**
 * Retained messages, one per topic: set, replace, clear with an empty payload (MQTT 5 §3.3.1.3,
 * [MQTT-3.3.1-6], [MQTT-3.3.1-7]); an expired one is removed when found (v5 message expiry).
 */
import { topicMatchesFilter } from './topics/match.js';
import { hasWildcard } from './topics/validate.js';
import type { Message } from './types.js';

export class RetainedStore {
  private readonly byTopic = new Map<string, Message>();

  get size(): number {
    return this.byTopic.size;
  }

  /** Returns what changed: the message stored, or undefined when the topic was cleared. */
  set(message: Message): Message | undefined {
    if (message.payload.length === 0) {
      this.byTopic.delete(message.topic);
      return undefined;
    }
    this.byTopic.set(message.topic, message);
    return message;
  }

  delete(topic: string): void {
    this.byTopic.delete(topic);
  }

  /** Retained messages matching `filter` (plain, valid), expired ones purged on the way. */
  matching(filter: string, now: number, onExpired: (topic: string) => void): Message[] {
    const out: Message[] = [];
    if (!hasWildcard(filter)) {
      const m = this.byTopic.get(filter);
      if (m) this.keepIfLive(m, now, out, onExpired);
      return out;
    }
    for (const m of this.byTopic.values()) {
      if (topicMatchesFilter(filter, m.topic)) this.keepIfLive(m, now, out, onExpired);
    }
    return out;
  }

  values(): IterableIterator<Message> {
    return this.byTopic.values();
  }

  private keepIfLive(m: Message, now: number, out: Message[], onExpired: (topic: string) => void): void {
    if (m.expiresAt !== undefined && m.expiresAt <= now) {
      this.byTopic.delete(m.topic);
      onExpired(m.topic);
    } else {
      out.push(m);
    }
  }
}
