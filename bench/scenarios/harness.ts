/**
 * Runs one scenario's jobs, one generator process per job: prepare them in order (subscribers before
 * publishers), sample the broker's CPU, start them together, collect their results, stop them.
 */
import { startGenerator } from '../generator.js';
import { CpuSampler } from '../procstat.js';
import type { Job, JobResult } from '../protocol.js';
import type { ScenarioContext } from './types.js';

const PREPARE_TIMEOUT_MS = 60_000;
const RESULT_GRACE_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export interface Measured {
  readonly result: JobResult;
  readonly cpuUs: number;
}

export interface GeneratorRun {
  readonly measured: readonly Measured[];
  readonly failures: readonly string[];
  readonly sampler: CpuSampler;
  /** Total CPU seconds the generator processes used while running. */
  readonly generatorCpuSeconds: number;
}

export interface Hooks {
  /** Just before 'go' (e.g. read the broker's resident memory). */
  readonly beforeGo?: () => Promise<void>;
  /** After every result is in, before the generators close their connections. */
  readonly afterResults?: (run: GeneratorRun) => Promise<void>;
}

export async function runGenerators(
  context: ScenarioContext,
  jobs: readonly Job[],
  hooks: Hooks = {},
): Promise<GeneratorRun> {
  const generators = jobs.map((job, i) => startGenerator(`generator ${i + 1} (${job.kind})`));
  try {
    for (const [i, generator] of generators.entries()) await generator.prepare(jobs[i]!, PREPARE_TIMEOUT_MS);
    await hooks.beforeGo?.();
    const sampler = new CpuSampler(context.broker.pid);
    for (const generator of generators) generator.go();
    const settled = await Promise.allSettled(
      generators.map((generator) => generator.result(context.load.timeoutSeconds * 1000 + RESULT_GRACE_MS)),
    );
    sampler.stop();
    const measured = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [describe(s.reason)] : []));
    const run: GeneratorRun = {
      measured,
      failures,
      sampler,
      generatorCpuSeconds: measured.reduce((sum, m) => sum + m.cpuUs, 0) / 1e6,
    };
    await hooks.afterResults?.(run);
    return run;
  } finally {
    await Promise.all(generators.map((generator) => generator.stop(STOP_TIMEOUT_MS)));
  }
}

/** Splits `total` into `parts` near-equal shares (the first ones get the remainder). */
export function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

/**
 * `total` clients over `processes` generator processes: each non-empty share, with the global index
 * of its first client (it names client ids and topics, so they stay distinct across processes).
 */
export function shares(total: number, processes: number): { clients: number; firstIndex: number }[] {
  let firstIndex = 0;
  return split(total, processes)
    .filter((clients) => clients > 0)
    .map((clients) => {
      const share = { clients, firstIndex };
      firstIndex += clients;
      return share;
    });
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Above this share of one core, a generator process may be what limits the figure. */
const GENERATOR_BUSY_SHARE = 0.9;

/** A note when one generator process was nearly saturated over the window, else null. */
export function generatorBottleneckNote(run: GeneratorRun, fromNs: number, toNs: number): string | null {
  const busiest = Math.max(0, ...run.measured.map((m) => cpuShare(m.cpuUs / 1e6, fromNs, toNs) ?? 0));
  if (busiest < GENERATOR_BUSY_SHARE) return null;
  return `a generator process used ${Math.round(busiest * 100)}% of a core: the figure may be the generator's limit`;
}

export function cpuShare(cpuSeconds: number, fromNs: number, toNs: number): number | null {
  const wallSeconds = (toNs - fromNs) / 1e9;
  return wallSeconds > 0 ? cpuSeconds / wallSeconds : null;
}
