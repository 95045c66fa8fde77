/**
 * The shipped gateway.conf is the documentation of every key (issue 2): it must parse, document
 * each schema key with its default, and configure exactly the built-in defaults.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  configFields,
  defaultGatewayConfig,
  type GatewayConfig,
  loadGatewayConfig,
  parseGatewayConfig,
  schema,
} from '../../../src/config/index.js';

const confPath = fileURLToPath(new URL('../../../gateway.conf', import.meta.url));
const repoRoot = dirname(confPath);
const text = readFileSync(confPath, 'utf8');
const lines = text.split('\n');

/** A commented-out setting is `#key` or `#key value`, with no space after `#` (prose has one). */
const SETTING = /^#([a-z][a-z0-9_]*)(?:\s+(.*?))?\s*$/;

function settingLines(): { index: number; key: string; value: string | undefined }[] {
  return lines.flatMap((line, index) => {
    const match = SETTING.exec(line);
    return match?.[1] === undefined ? [] : [{ index, key: match[1], value: match[2] }];
  });
}

function valuesOf(config: GatewayConfig) {
  const { predefinedTopicTable, locations, warnings, configFile, ...values } = config;
  return values;
}

describe('the shipped gateway.conf', () => {
  it('parses, without warnings, to the built-in defaults', () => {
    const config = loadGatewayConfig(confPath);
    expect(config.warnings).toEqual([]);
    expect(config.configFile).toBe(confPath);
    expect(valuesOf(config)).toEqual(valuesOf(defaultGatewayConfig(repoRoot)));
  });

  it('documents every schema key exactly once, as a commented-out setting', () => {
    const documented = settingLines().map((s) => s.key);
    for (const field of configFields) {
      expect(
        documented.filter((key) => key === schema[field].name),
        schema[field].name,
      ).toHaveLength(1);
    }
  });

  it('documents no key that the schema does not have', () => {
    const names = new Set(configFields.map((field) => schema[field].name));
    for (const setting of settingLines()) expect(names, setting.key).toContain(setting.key);
  });

  it('shows each default as the schema declares it, and explains each key above it', () => {
    const settings = new Map(settingLines().map((s) => [s.key, s]));
    for (const field of configFields) {
      const def = schema[field];
      const setting = settings.get(def.name);
      const shown = setting?.value;
      expect(shown, def.name).toBe(def.defaults.length === 0 ? undefined : def.defaults.join(' '));
      const above = lines[(setting?.index ?? 0) - 1] ?? '';
      expect(above, `${def.name} has an explanation above it`).toMatch(/^# +\S/);
    }
  });

  it('configures the defaults when every setting with a value is uncommented', () => {
    const uncommented = lines
      .map((line) => (SETTING.exec(line)?.[2] === undefined ? line : line.slice(1)))
      .join('\n');
    const config = parseGatewayConfig(uncommented, { file: confPath });
    expect(config.warnings).toEqual([]);
    // Every key with a default is set (an optional key, unset by default, has no value to show).
    const withDefault = configFields.filter((field) => schema[field].defaults.length > 0);
    expect(Object.keys(config.locations).sort()).toEqual([...withDefault].sort());
    expect(valuesOf(config)).toEqual(valuesOf(defaultGatewayConfig(repoRoot)));
  });

  it('states the line format at the top', () => {
    const header = lines.slice(0, 20).join('\n');
    expect(header).toContain('`key value`');
    expect(header).toContain('`key = value`');
    expect(header).toContain('`key=value`');
  });
});
