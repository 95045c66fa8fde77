/**
 * JSON that keeps Buffers: a Buffer is written as `{"$buffer":"<base64>"}` and read back as a
 * Buffer. Used by the SQLite store for will messages, MQTT 5 properties (correlation data) and the
 * gateway's opaque state blobs. (An object whose only key is `$buffer` is therefore not storable as
 * such; nothing in the broker or gateway state has that shape.)
 */
const BUFFER_KEY = '$buffer';

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, function replaceBuffers(this: unknown, key: string, member: unknown) {
    // JSON.stringify has already applied Buffer#toJSON to `member`; the holder still has the Buffer.
    const original = (this as Record<string, unknown>)[key];
    if (original instanceof Uint8Array) return { [BUFFER_KEY]: Buffer.from(original).toString('base64') };
    return member;
  });
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, member: unknown) => {
    if (member !== null && typeof member === 'object' && !Array.isArray(member)) {
      const record = member as Record<string, unknown>;
      const encoded = record[BUFFER_KEY];
      if (typeof encoded === 'string' && Object.keys(record).length === 1)
        return Buffer.from(encoded, 'base64');
    }
    return member;
  });
}
