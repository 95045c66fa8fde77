/**
 * One timer for the whole fleet: a binary min-heap of due times drives a single Node timer, so
 * 10,000 sensors with retry, keep-alive, report and sleep timers cost one setTimeout, not 40,000.
 * Cancelled entries are dropped lazily when they reach the top.
 */
import { performance } from 'node:perf_hooks';

export interface Timer {
  readonly due: number;
  cancelled: boolean;
}

interface Entry extends Timer {
  readonly seq: number;
  readonly run: () => void;
}

/** Below this many cancelled entries the heap is not worth compacting. */
const COMPACT_MIN = 4096;

/** setTimeout's limit; longer delays are re-armed when the timer fires early. */
const MAX_NODE_DELAY_MS = 2_147_483_647;

export class Scheduler {
  private readonly heap: Entry[] = [];
  private seq = 0;
  /** Cancelled entries still in the heap (an upper bound: ones already popped are not subtracted). */
  private cancelledInHeap = 0;
  private armedFor = Number.POSITIVE_INFINITY;
  private handle: NodeJS.Timeout | undefined;
  private closed = false;
  /** Exceptions thrown by callbacks are handed here instead of killing the process. */
  onError: (error: unknown) => void = () => {};

  /** Milliseconds on a monotonic clock. */
  now(): number {
    return performance.now();
  }

  /** Runs `run` after `delayMs` (≥ 0). */
  after(delayMs: number, run: () => void): Timer {
    const entry: Entry = { due: this.now() + Math.max(0, delayMs), seq: this.seq++, run, cancelled: false };
    if (this.closed) {
      entry.cancelled = true;
      return entry;
    }
    this.push(entry);
    if (entry.due < this.armedFor) this.arm();
    return entry;
  }

  cancel(timer: Timer | undefined): void {
    if (!timer || timer.cancelled) return;
    timer.cancelled = true;
    // Retry timers are nearly always cancelled by the reply: drop the dead entries now and then,
    // so that a busy fleet's heap holds live timers, not hundreds of thousands of cancelled ones.
    if (++this.cancelledInHeap > COMPACT_MIN && this.cancelledInHeap > this.heap.length / 2) this.compact();
  }

  /** Entries still in the heap (cancelled ones included until they surface). */
  get size(): number {
    return this.heap.length;
  }

  close(): void {
    this.closed = true;
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    for (const entry of this.heap) entry.cancelled = true;
    this.heap.length = 0;
  }

  private arm(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    const head = this.heap[0];
    if (!head || this.closed) return;
    this.armedFor = head.due;
    const delay = Math.min(MAX_NODE_DELAY_MS, Math.max(0, head.due - this.now()));
    this.handle = setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    this.handle = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    // A small slack groups timers due within the same millisecond into one wake-up.
    const horizon = this.now() + 1;
    let ran = 0;
    while (this.heap.length > 0 && this.heap[0]!.due <= horizon && !this.closed) {
      const entry = this.pop();
      if (entry.cancelled) continue;
      entry.cancelled = true;
      try {
        entry.run();
      } catch (error) {
        this.onError(error);
      }
      // Yield to I/O now and then under heavy load, so that replies are not starved.
      if (++ran >= 5000) break;
    }
    this.arm();
  }

  /** Rebuilds the heap from its live entries (Floyd's heap construction, O(n)). */
  private compact(): void {
    const live = this.heap.filter((entry) => !entry.cancelled);
    this.heap.length = 0;
    for (const entry of live) this.heap.push(entry);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
    this.cancelledInHeap = 0;
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): Entry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    heap[0] = last;
    this.siftDown(0);
    return top;
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const moving = heap[start]!;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && earlier(heap[right]!, heap[left]!) ? right : left;
      if (!earlier(heap[child]!, moving)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = moving;
  }
}

function earlier(a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
