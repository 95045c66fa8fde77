/**
 * How the schema declares a key: its name, aliases, value type, default (as it would be written
 * in the file), whether it may repeat (it has `combine`), and one line of documentation.
 */
import type { ParseContext, ValueType } from './value-types.js';

export type Section = 'logging' | 'listeners' | 'broker' | 'persistence' | 'security' | 'mqtt-sn' | 'serial';

/** Another name for a key (Paho gateway.conf, older mosquitto), optionally rewriting the value. */
export interface Alias {
  readonly name: string;
  readonly origin: 'paho' | 'mosquitto';
  /** Turns the alias's value into the key's syntax (e.g. Paho GatewayIPv6PortNo=N → `N ::`). */
  readonly rewrite?: (raw: string) => string;
}

export interface KeyDef<T> {
  readonly name: string;
  readonly aliases: readonly Alias[];
  readonly section: Section;
  readonly doc: string;
  readonly type: ValueType<T>;
  /** The default as lines of the file would write it (one per occurrence); [] = no default. */
  readonly defaults: readonly string[];
  /** Set exactly for repeatable keys: joins the values of successive lines (the first replaces the default). */
  readonly combine?: (earlier: T, later: T) => T;
  /** The value when the file does not set the key. */
  valueWhenUnset(context: ParseContext): T;
}

interface KeySpec<T> {
  name: string;
  section: Section;
  type: ValueType<T>;
  doc: string;
  aliases?: readonly Alias[];
}

/** A key that always has a value; `default` is parsed with the key's own type. */
export function required<T>(spec: KeySpec<T> & { default: string }): KeyDef<T> {
  return {
    ...spec,
    aliases: spec.aliases ?? [],
    defaults: [spec.default],
    valueWhenUnset: (context) => spec.type.parse(spec.default, context),
  };
}

/** A key that may stay unset (a file that is not used, a feature that is off). */
export function optional<T>(spec: KeySpec<T>): KeyDef<T | undefined> {
  return {
    ...spec,
    aliases: spec.aliases ?? [],
    defaults: [],
    valueWhenUnset: () => undefined,
  };
}

/** A repeatable key whose lines add up to a list; the defaults apply only when no line sets it. */
export function list<E>(spec: KeySpec<E[]> & { defaults: readonly string[] }): KeyDef<E[]> {
  return {
    ...spec,
    aliases: spec.aliases ?? [],
    combine: (earlier, later) => [...earlier, ...later],
    valueWhenUnset: (context) => spec.defaults.flatMap((raw) => spec.type.parse(raw, context)),
  };
}

export function paho(name: string, rewrite?: (raw: string) => string): Alias {
  return rewrite === undefined ? { name, origin: 'paho' } : { name, origin: 'paho', rewrite };
}

export function mosquitto(name: string): Alias {
  return { name, origin: 'mosquitto' };
}
