/**
 * The body of a load-generator process, shared by the benchmarks: takes one job, prepares it
 * (connect, subscribe), answers 'ready', runs it on 'go' and reports the result with the CPU time it
 * spent. It exits on 'stop' or when the orchestrator goes away, and by itself after the job's deadline
 * plus `graceMs`, so it can never outlive a run.
 */
import { type FromWorker, isToWorker } from './channel.js';
import type { Role } from './role.js';

interface TimedJob {
  readonly kind: string;
  readonly deadlineMs: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function serveJobs<Job extends TimedJob, Result>(
  prepare: (job: Job) => Promise<Role<Result>>,
  graceMs: number,
): void {
  let role: Role<Result> | null = null;
  const send = (message: FromWorker<Result>): void => {
    process.send?.(message);
  };

  process.on('message', (raw: unknown) => {
    if (!isToWorker<Job>(raw)) {
      send({ kind: 'error', message: 'unrecognised message from the orchestrator' });
      return;
    }
    switch (raw.kind) {
      case 'job': {
        setTimeout(() => process.exit(3), raw.job.deadlineMs + graceMs).unref();
        prepare(raw.job).then(
          (prepared) => {
            role = prepared;
            send({ kind: 'ready' });
          },
          (error: unknown) =>
            send({ kind: 'error', message: `preparing ${raw.job.kind}: ${describe(error)}` }),
        );
        return;
      }
      case 'go': {
        if (role === null) {
          send({ kind: 'error', message: "'go' before the job was ready" });
          return;
        }
        const before = process.cpuUsage();
        role.go().then(
          (result) => {
            const used = process.cpuUsage(before);
            send({ kind: 'result', result, cpuUs: used.user + used.system });
          },
          (error: unknown) => send({ kind: 'error', message: `running: ${describe(error)}` }),
        );
        return;
      }
      case 'stop': {
        const stopping = role?.stop() ?? Promise.resolve();
        stopping.finally(() => {
          // Exit only once 'stopped' has been written to the channel.
          process.send?.({ kind: 'stopped' } satisfies FromWorker<Result>, () => process.exit(0));
        });
        return;
      }
    }
  });

  process.on('disconnect', () => process.exit(0));
}
