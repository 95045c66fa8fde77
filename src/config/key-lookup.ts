/**
 * Finds the schema key for a name as written in gateway.conf: canonical names and aliases,
 * compared without regard to case (Paho's keys are CamelCase, ours lower_snake_case).
 */
import type { Alias } from './key-def.js';
import { type ConfigField, configFields, schema } from './schema.js';

export interface KeyMatch {
  field: ConfigField;
  /** Set when the line used an alias. */
  alias?: Alias;
}

const byName: ReadonlyMap<string, KeyMatch> = buildIndex();

function buildIndex(): Map<string, KeyMatch> {
  const index = new Map<string, KeyMatch>();
  for (const field of configFields) {
    const def = schema[field];
    index.set(def.name.toLowerCase(), { field });
    for (const alias of def.aliases) index.set(alias.name.toLowerCase(), { field, alias });
  }
  return index;
}

export function findKey(name: string): KeyMatch | undefined {
  return byName.get(name.toLowerCase());
}

/** The canonical name closest to a misspelt one, when it is close enough to be a likely typo. */
export function closestKeyName(name: string): string | undefined {
  const lower = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const field of configFields) {
    const candidate = schema[field].name;
    const distance = editDistance(lower, candidate);
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  const tolerance = Math.max(2, Math.floor(lower.length / 4));
  return best !== undefined && best.distance <= tolerance ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
