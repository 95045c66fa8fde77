/**
 * The one logger. Lines look like mosquitto's: `<epoch seconds>: <message>`, on stderr.
 * `debug` carries the per-packet trace that `-v` turns on (like `mosquitto -v`).
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  /** Packet trace; check `debugEnabled` before building an expensive message on a hot path. */
  debug(message: string): void;
  readonly debugEnabled: boolean;
  /**
   * Whether info lines are written: check it before formatting an info line on a per-connection
   * path (connect, disconnect). Optional (additive); absent counts as true.
   */
  readonly infoEnabled?: boolean;
}

export type LogSink = (line: string) => void;

const stderrSink: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

export function createLogger(level: LogLevel = 'info', sink: LogSink = stderrSink): Logger {
  const max = ORDER[level];
  const emit = (l: LogLevel, message: string): void => {
    if (ORDER[l] <= max) sink(`${Math.floor(Date.now() / 1000)}: ${message}`);
  };
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
    debugEnabled: max >= ORDER.debug,
    infoEnabled: max >= ORDER.info,
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createLogger('error', () => {});
