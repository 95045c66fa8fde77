/**
 * The messages between a benchmark's orchestrator and its load-generator processes, the same for
 * every benchmark (bench/run.ts, bench/mqttsn.ts); each benchmark brings its own Job and JobResult.
 * Times are `process.hrtime` nanoseconds as plain numbers: CLOCK_MONOTONIC is shared by every process
 * on the machine, so a send time and an arrival time taken in different processes compare.
 */

export type Qos01 = 0 | 1;

export type ToWorker<Job> =
  | { readonly kind: 'job'; readonly job: Job }
  | { readonly kind: 'go' }
  /** Idle connections: close them all now. Every job: give up and report what you have. */
  | { readonly kind: 'stop' };

export type FromWorker<Result> =
  | { readonly kind: 'ready' }
  | {
      readonly kind: 'result';
      readonly result: Result;
      /** CPU time this process used between 'go' and the result, in microseconds (user + system). */
      readonly cpuUs: number;
    }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'error'; readonly message: string };

/** Checks the message kind only: both ends are built from the same sources. */
export function isToWorker<Job>(value: unknown): value is ToWorker<Job> {
  if (typeof value !== 'object' || value === null || !('kind' in value)) return false;
  const kind = (value as { kind: unknown }).kind;
  return kind === 'job' || kind === 'go' || kind === 'stop';
}

export function isFromWorker<Result>(value: unknown): value is FromWorker<Result> {
  if (typeof value !== 'object' || value === null || !('kind' in value)) return false;
  const kind = (value as { kind: unknown }).kind;
  return kind === 'ready' || kind === 'result' || kind === 'stopped' || kind === 'error';
}

export function nowNs(): number {
  return Number(process.hrtime.bigint());
}
