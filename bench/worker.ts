/**
 * A load-generator process. The orchestrator forks several of these so the load can use the machine's
 * cores; each takes one job, prepares it (connect, subscribe), answers 'ready', runs it on 'go', and
 * reports the result with the CPU time it spent. It exits on 'stop' or when the orchestrator goes away,
 * and by itself after the job's deadline plus a grace period, so it can never outlive a run.
 */
import { type FromWorker, isToWorker, type Job } from './protocol.js';
import { prepareIdle } from './roles/idle.js';
import { prepareLatency } from './roles/latency.js';
import { preparePublishers } from './roles/publisher.js';
import type { Role } from './roles/role.js';
import { prepareSubscribers } from './roles/subscriber.js';

// Preparing may take up to a minute (the orchestrator's limit) before the run's own deadline starts.
const GRACE_MS = 90_000;

let role: Role | null = null;

function send(message: FromWorker): void {
  process.send?.(message);
}

function prepare(job: Job): Promise<Role> {
  switch (job.kind) {
    case 'publish':
      return preparePublishers(job);
    case 'subscribe':
      return prepareSubscribers(job);
    case 'latency':
      return prepareLatency(job);
    case 'idle':
      return prepareIdle(job);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

process.on('message', (raw: unknown) => {
  if (!isToWorker(raw)) {
    send({ kind: 'error', message: 'unrecognised message from the orchestrator' });
    return;
  }
  switch (raw.kind) {
    case 'job': {
      setTimeout(() => process.exit(3), raw.job.deadlineMs + GRACE_MS).unref();
      prepare(raw.job).then(
        (prepared) => {
          role = prepared;
          send({ kind: 'ready' });
        },
        (error: unknown) => send({ kind: 'error', message: `preparing ${raw.job.kind}: ${describe(error)}` }),
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
        process.send?.({ kind: 'stopped' } satisfies FromWorker, () => process.exit(0));
      });
      return;
    }
  }
});

process.on('disconnect', () => process.exit(0));
