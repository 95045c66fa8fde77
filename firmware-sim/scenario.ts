/**
 * Scenario files for mixed fleets: JSON, either a list of fleets or `{ "fleets": [...] }`, each
 * fleet with its own options (the FleetSpec keys; command-line options are the defaults):
 *   [ { "sensors": 200, "idPrefix": "room-", "qos": 1, "sleep": 30 },
 *     { "sensors": 50, "idPrefix": "door-", "qos": -1, "predefined": 1, "interval": 2 } ]
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_FLEET, type FleetSpec, OptionsError } from './options.js';

const KNOWN_KEYS = new Set(Object.keys(DEFAULT_FLEET));
const TYPES: Record<string, readonly string[]> = {
  number: [
    'sensors',
    'qos',
    'predefined',
    'batteryEvery',
    'interval',
    'sleep',
    'keepAlive',
    'count',
    'tRetry',
    'nRetry',
    'tWait',
    'ramp',
    'batteryMah',
  ],
  string: ['idPrefix', 'topic', 'short', 'commandTopic', 'batteryTopic', 'willTopic'],
  boolean: ['clean', 'will', 'discover'],
};

function expectedType(key: string): string {
  for (const [type, keys] of Object.entries(TYPES)) if (keys.includes(key)) return type;
  return 'unknown';
}

export function parseScenario(text: string, source: string): Array<Partial<FleetSpec>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OptionsError(`${source}: not valid JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(json) ? json : (json as { fleets?: unknown } | null)?.fleets;
  if (!Array.isArray(list) || list.length === 0) {
    throw new OptionsError(`${source}: expected a non-empty list of fleets, or { "fleets": [...] }`);
  }
  return list.map((entry, i) => parseFleet(entry, `${source}: fleet ${i + 1}`));
}

function parseFleet(entry: unknown, where: string): Partial<FleetSpec> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new OptionsError(`${where}: expected an object of fleet options`);
  }
  const fleet: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new OptionsError(`${where}: unknown option '${key}' (known: ${[...KNOWN_KEYS].join(', ')})`);
    }
    const type = expectedType(key);
    if (typeof value !== type) throw new OptionsError(`${where}: '${key}' must be a ${type}`);
    fleet[key] = value;
  }
  return fleet as Partial<FleetSpec>;
}

export function loadScenario(path: string): Array<Partial<FleetSpec>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OptionsError(`cannot read scenario ${path}: ${(error as Error).message}`);
  }
  return parseScenario(text, path);
}
