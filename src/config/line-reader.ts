/**
 * Splits gateway.conf into `key value` lines. Accepted: `key value`, `key = value`, `key=value`
 * (Paho's form); `#` at the start of a line makes it a comment; blank lines are ignored; a stray
 * trailing `;` is dropped, as Paho's documentation writes `MaxNumberOfClients=30;`.
 */
import { ConfigError } from './errors.js';

export interface ConfigLine {
  /** 1-based line number. */
  line: number;
  /** The key as written (its case kept for error messages). */
  key: string;
  /** The value, trimmed; '' when the line has none. */
  value: string;
}

const KEY_AND_REST = /^([A-Za-z][A-Za-z0-9_.-]*)(.*)$/;
const SEPARATOR = /^\s*=\s*|^\s+/;

export function readConfigLines(text: string, file: string): ConfigLine[] {
  const result: ConfigLine[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    const content = rawLine.trim();
    if (content === '' || content.startsWith('#')) continue;
    result.push(splitLine(content, file, index + 1));
  }
  return result;
}

function splitLine(content: string, file: string, line: number): ConfigLine {
  const match = KEY_AND_REST.exec(content);
  const key = match?.[1];
  const rest = match?.[2] ?? '';
  const separator = SEPARATOR.exec(rest);
  if (key === undefined || (rest !== '' && separator === null)) {
    throw new ConfigError(file, line, undefined, `expected 'key value' or a # comment, got '${content}'`);
  }
  const value = rest
    .slice(separator?.[0].length ?? 0)
    .replace(/\s*;\s*$/, '')
    .trim();
  return { line, key, value };
}
