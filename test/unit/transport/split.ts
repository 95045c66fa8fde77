/** Helpers to feed a byte stream to a framing decoder in every possible way (DESIGN.md principle 6). */

export interface Pushable<T> {
  push(chunk: Uint8Array, now?: number): T[];
}

/** Feeds `stream` in the given chunks (split at `cuts`, sorted offsets) and collects all output. */
export function feedSplit<T>(decoder: Pushable<T>, stream: Buffer, cuts: readonly number[]): T[] {
  const out: T[] = [];
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    out.push(...decoder.push(stream.subarray(from, cut)));
    from = cut;
  }
  return out;
}

/** Feeds `stream` one byte at a time. */
export function feedByteByByte<T>(decoder: Pushable<T>, stream: Buffer): T[] {
  const out: T[] = [];
  for (let i = 0; i < stream.length; i++) out.push(...decoder.push(stream.subarray(i, i + 1)));
  return out;
}

/** Every single split point 0..length, as one cut each. */
export function everySplitPoint(length: number): number[][] {
  return Array.from({ length: length + 1 }, (_, i) => [i]);
}
