/** Command-line pieces shared by the benchmarks' entry points (run.ts, mqttsn.ts). */
import path from 'node:path';
import { InvalidArgumentError } from 'commander';

export function positiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('expected a positive integer');
  return value;
}

/** `<repoRoot>/bench/results/<prefix>-<ISO time>.json`, with ':' replaced so every file system takes it. */
export function resultsFile(repoRoot: string, prefix: string, at: Date = new Date()): string {
  return path.join(repoRoot, 'bench', 'results', `${prefix}-${at.toISOString().replaceAll(':', '-')}.json`);
}
