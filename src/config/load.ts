/**
 * Reads gateway.conf into a typed GatewayConfig. Every problem stops start-up with a ConfigError
 * naming the file, the line and the key. Keys not in the file take the schema's defaults, parsed
 * as if written in the file (so relative default paths are relative to the file's folder too).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, ValueError } from './errors.js';
import { ignoredPahoKey, replacedMosquittoKey, replacedPahoKey } from './foreign-keys.js';
import { closestKeyName, findKey, type KeyMatch } from './key-lookup.js';
import { type ConfigLine, readConfigLines } from './line-reader.js';
import { loadPredefinedTopics, PredefinedTopicTable } from './predefined-topics.js';
import { type ConfigField, configFields, schema } from './schema.js';
import type { ConfigLocation, GatewayConfig, GatewayConfigValues } from './types.js';
import { validateGatewayConfig, withTlsDefaultListener } from './validate.js';
import type { ParseContext, ValueType } from './value-types.js';

export interface ParseOptions {
  /** The file name used in error messages, as the user wrote it (e.g. `gateway.conf`). */
  file: string;
  /** Folder for relative paths; default: the folder of `file`. */
  baseDir?: string;
}

/** Reads and parses a config file; the name in errors is `file` as given. */
export function loadGatewayConfig(file: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new ConfigError(file, 0, undefined, `cannot read the configuration file (${reason})`);
  }
  return parseGatewayConfig(text, { file });
}

/** The configuration used when no file is given: every key at its default, paths from `baseDir`. */
export function defaultGatewayConfig(baseDir: string = process.cwd()): GatewayConfig {
  return parseGatewayConfig('', { file: '(defaults)', baseDir });
}

export function parseGatewayConfig(text: string, options: ParseOptions): GatewayConfig {
  const baseDir = options.baseDir ?? dirname(resolve(options.file));
  const reader = new ValuesReader(options.file, { baseDir });
  for (const line of readConfigLines(text, options.file)) reader.apply(line);
  const values = reader.finish();
  const config: GatewayConfig = {
    ...values,
    ...(options.baseDir === undefined ? { configFile: resolve(options.file) } : {}),
    predefinedTopicTable:
      values.predefinedTopics === undefined
        ? new PredefinedTopicTable()
        : loadPredefinedTopics(values.predefinedTopics),
    locations: reader.locations,
    warnings: reader.warnings,
  };
  validateGatewayConfig(config, options.file);
  return withTlsDefaultListener(config);
}

/** Accumulates the values of the file's lines, then fills in the defaults. */
class ValuesReader {
  readonly locations: Partial<Record<ConfigField, ConfigLocation>> = {};
  readonly warnings: string[] = [];
  private readonly values: Partial<GatewayConfigValues> = {};

  constructor(
    private readonly file: string,
    private readonly context: ParseContext,
  ) {}

  apply(line: ConfigLine): void {
    const match = findKey(line.key);
    if (match === undefined) {
      this.handleUnknownKey(line);
      return;
    }
    this.applyValue(match.field, match, line);
  }

  finish(): GatewayConfigValues {
    for (const field of configFields) {
      if (this.locations[field] === undefined) this.setDefault(field);
    }
    // Every field of the schema (ConfigSchema covers all of them) has just been set from the file or its default.
    return this.values as GatewayConfigValues;
  }

  private applyValue<K extends ConfigField>(field: K, match: KeyMatch, line: ConfigLine): void {
    const def = schema[field];
    const raw = match.alias?.rewrite === undefined ? line.value : match.alias.rewrite(line.value);
    const fail = (detail: string): never => {
      throw new ConfigError(this.file, line.line, line.key, detail);
    };
    if (line.value === '') fail(`missing value (expected ${def.type.expected})`);
    const previous = this.locations[field];
    if (previous !== undefined && def.combine === undefined) {
      fail(`already set on line ${previous.line}; '${def.name}' may appear only once`);
    }
    const parsed = this.parseOrFail(def.type, raw, fail);
    const earlier = this.values[field];
    this.values[field] =
      previous !== undefined && earlier !== undefined && def.combine ? def.combine(earlier, parsed) : parsed;
    if (previous === undefined) this.locations[field] = { file: this.file, line: line.line };
    if (match.alias !== undefined) {
      this.warnings.push(`${this.file}:${line.line}: '${line.key}' read as '${def.name}'`);
    }
  }

  private parseOrFail<T>(type: ValueType<T>, raw: string, fail: (detail: string) => never): T {
    try {
      return type.parse(raw, this.context);
    } catch (error) {
      if (error instanceof ValueError) return fail(error.detail);
      throw error;
    }
  }

  private setDefault<K extends ConfigField>(field: K): void {
    this.values[field] = schema[field].valueWhenUnset(this.context);
  }

  private handleUnknownKey(line: ConfigLine): void {
    const ignored = ignoredPahoKey(line.key);
    if (ignored !== undefined) {
      this.warnings.push(`${this.file}:${line.line}: Paho key '${line.key}' ignored: ${ignored}`);
      return;
    }
    const pahoHint = replacedPahoKey(line.key);
    const mosquittoHint = replacedMosquittoKey(line.key);
    const suggestion = closestKeyName(line.key);
    let hint = `unknown key${suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`}`;
    if (pahoHint !== undefined) hint = `Paho gateway key with no equivalent here: ${pahoHint}`;
    if (mosquittoHint !== undefined) hint = `unknown key: ${mosquittoHint}`;
    throw new ConfigError(this.file, line.line, line.key, hint);
  }
}
