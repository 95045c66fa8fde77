/**
 * A real memory store whose flush() callbacks can be held back: "the store has not made this
 * durable yet". Tests use it to show that an answer which must wait for durability (PUBREL after
 * PUBREC, MQTT §4.3.3) does wait.
 */
import { createMemoryStore } from '../../../src/store/memory.js';
import type { Store } from '../../../src/store/types.js';

export interface GatedStore extends Store {
  /** Hold every flush callback from now on, until release(). */
  hold(): void;
  /** Run the held callbacks (in order) and stop holding. */
  release(): void;
  /** Callbacks currently held. */
  readonly held: number;
}

export function createGatedStore(inner: Store = createMemoryStore()): GatedStore {
  let holding = false;
  const waiting: (() => void)[] = [];
  const gated: GatedStore = Object.create(inner) as GatedStore;
  Object.defineProperties(gated, {
    hold: { value: () => (holding = true) },
    release: {
      value: () => {
        holding = false;
        for (const run of waiting.splice(0)) run();
      },
    },
    held: { get: () => waiting.length },
    flush: {
      value: (callback: (error?: Error) => void) => {
        inner.flush((error) => {
          if (holding) waiting.push(() => callback(error));
          else callback(error);
        });
      },
    },
  });
  return gated;
}
