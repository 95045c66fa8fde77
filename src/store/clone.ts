/**
 * Deep copies for the stores. The core hands the store live objects and may change them after the
 * call (a session's will, a subscription's options); the store must keep the value as it was when
 * the mutation was submitted, as a database row would. Buffers are copied too, never shared.
 *
 * Keys whose value is `undefined` are dropped, so a value read back from memory looks exactly like
 * one read back from SQLite (where JSON drops them).
 */
export function deepClone<T>(value: T): T {
  return cloneValue(value) as T;
}

function cloneValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(cloneValue);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) copy[key] = cloneValue(member);
    }
    return copy;
  }
  return value;
}
