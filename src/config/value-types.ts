/**
 * Parsers for scalar values of gateway.conf. Each knows what it expects (for error messages and
 * the documentation) and throws ValueError with `expected …, got '…'` on bad input.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ValueError } from './errors.js';

export interface ParseContext {
  /** Folder that relative paths are resolved against: the config file's folder (or the cwd). */
  baseDir: string;
}

export interface ValueType<T> {
  /** What a valid value looks like, e.g. "an integer 0..1000000". */
  readonly expected: string;
  parse(raw: string, context: ParseContext): T;
}

export function mismatch(expected: string, raw: string): ValueError {
  return new ValueError(`expected ${expected}, got '${raw}'`);
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export function parseIntegerIn(raw: string, min: number, max: number, expected: string): number {
  if (!INTEGER.test(raw)) throw mismatch(expected, raw);
  const value = Number(raw);
  if (value < min || value > max) throw mismatch(expected, raw);
  return value;
}

export function integer(min: number, max: number, note = ''): ValueType<number> {
  const expected = `an integer ${min}..${max}${note === '' ? '' : ` (${note})`}`;
  return { expected, parse: (raw) => parseIntegerIn(raw, min, max, expected) };
}

/** A decimal number (T_retry may be 2.5 s). */
export function decimal(min: number, max: number): ValueType<number> {
  const expected = `a number ${min}..${max}`;
  return {
    expected,
    parse(raw) {
      if (!DECIMAL.test(raw)) throw mismatch(expected, raw);
      const value = Number(raw);
      if (value < min || value > max) throw mismatch(expected, raw);
      return value;
    },
  };
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

/** true/false; also yes/no (Paho's YES/NO), on/off and 1/0, in any case. */
const BOOLEAN_EXPECTED = 'true or false (yes/no, on/off)';
export const boolean: ValueType<boolean> = {
  expected: BOOLEAN_EXPECTED,
  parse(raw) {
    const word = raw.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw mismatch(BOOLEAN_EXPECTED, raw);
  },
};

export function oneOf<const T extends string | number>(values: readonly T[]): ValueType<T> {
  const expected = `one of ${values.join(', ')}`;
  return {
    expected,
    parse(raw) {
      const found = values.find((v) => String(v) === raw.toLowerCase());
      if (found === undefined) throw mismatch(expected, raw);
      return found;
    },
  };
}

/**
 * A file or folder path, resolved against the config file's folder. `mustExist` files are
 * checked now, so a typo stops start-up with the line that holds it rather than failing later.
 */
export function path(mustExist: 'file' | 'no'): ValueType<string> {
  return {
    expected: mustExist === 'file' ? 'the path of an existing file' : 'a path',
    parse(raw, context) {
      const absolute = isAbsolute(raw) ? raw : resolve(context.baseDir, raw);
      if (mustExist === 'file') assertReadableFile(absolute);
      return absolute;
    },
  };
}

function assertReadableFile(absolute: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(absolute).isFile();
  } catch {
    throw new ValueError(`file not found: ${absolute}`);
  }
  if (!isFile) throw new ValueError(`not a file: ${absolute}`);
}

const DURATION = /^(\d+)([smhdwy]?)$/;
const UNIT_SECONDS: Record<string, number> = {
  '': 1,
  s: 1,
  m: 30 * 86_400, // mosquitto's persistent_client_expiration: m is a month
  h: 3_600,
  d: 86_400,
  w: 7 * 86_400,
  y: 365 * 86_400,
};

/** mosquitto's expiration syntax: `none`, or an integer followed by s, h, d, w, m (month) or y. */
const DURATION_EXPECTED = "'none' or an integer followed by s, h, d, w, m (months) or y, e.g. 14d";
export const durationOrNone: ValueType<number | undefined> = {
  expected: DURATION_EXPECTED,
  parse(raw) {
    if (raw.toLowerCase() === 'none') return undefined;
    const match = DURATION.exec(raw);
    if (match === null) throw mismatch(DURATION_EXPECTED, raw);
    const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] ?? ''] ?? 1);
    // 0 is not a duration; a value past 2^53 (or Infinity from 400 nines) is no usable one either.
    if (seconds <= 0 || !Number.isSafeInteger(seconds)) throw mismatch(DURATION_EXPECTED, raw);
    return seconds;
  },
};
