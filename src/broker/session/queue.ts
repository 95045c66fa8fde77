/**
 * A session's outgoing queue: messages waiting for the client to connect or for room in the
 * in-flight window. A growable ring would be overkill; an array with a moving head gives O(1)
 * push/shift, compacted when the dead prefix grows.
 */
import type { OutgoingEntry } from './session.js';

/** What readers of a queue may do (Session.queueView: the shared empty queue is never written). */
export interface QueueView extends Iterable<OutgoingEntry> {
  readonly length: number;
  peek(): OutgoingEntry | undefined;
}

export class OutgoingQueue implements QueueView {
  private items: (OutgoingEntry | undefined)[] = [];
  private head = 0;
  /** QoS 0 entries currently queued, so "drop the oldest QoS 0" needs no scan when there are none. */
  qos0Count = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(entry: OutgoingEntry): void {
    this.items.push(entry);
    if (entry.qos === 0) this.qos0Count++;
  }

  peek(): OutgoingEntry | undefined {
    return this.items[this.head];
  }

  shift(): OutgoingEntry | undefined {
    if (this.head >= this.items.length) return undefined;
    const entry = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (entry?.qos === 0) this.qos0Count--;
    return entry;
  }

  /** Remove and return the oldest queued QoS 0 entry (dropped first when the queue is full). */
  removeOldestQos0(): OutgoingEntry | undefined {
    if (this.qos0Count === 0) return undefined;
    for (let i = this.head; i < this.items.length; i++) {
      const entry = this.items[i];
      if (entry?.qos === 0) {
        this.items.splice(i, 1);
        this.qos0Count--;
        return entry;
      }
    }
    return undefined;
  }

  /** Remove every entry, returning them in order. */
  drain(): OutgoingEntry[] {
    const out = this.items.slice(this.head) as OutgoingEntry[];
    this.items = [];
    this.head = 0;
    this.qos0Count = 0;
    return out;
  }

  *[Symbol.iterator](): IterableIterator<OutgoingEntry> {
    for (let i = this.head; i < this.items.length; i++) {
      const entry = this.items[i];
      if (entry) yield entry;
    }
  }
}
