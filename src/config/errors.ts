/**
 * A configuration error that stops start-up. The message names the file, the line and the key:
 * `gateway.conf:12: key 'max_queued_messages': expected an integer 0..1000000, got 'lots'`.
 */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    /** 1-based; 0 when the error concerns the whole file (e.g. it cannot be read). */
    readonly line: number,
    readonly key: string | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line > 0 ? `:${line}` : ''}: ${key === undefined ? '' : `key '${key}': `}${detail}`);
    this.name = 'ConfigError';
  }
}

/** Thrown by value parsers; the loader turns it into a ConfigError with file, line and key. */
export class ValueError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'ValueError';
  }
}
