/**
 * A load-generator process of the MQTT-SN benchmark: takes one job, prepares it (connects), answers
 * 'ready', runs it on 'go' and reports the result with the CPU time it spent. It exits on 'stop',
 * when the orchestrator goes away, or by itself after the job's deadline plus a grace period.
 */
import { prepareConnectStorm } from './connect-storm.js';
import { prepareFanin } from './fanin.js';
import { type FromWorker, isToWorker, type Job } from './protocol.js';
import type { Role } from './role.js';

const GRACE_MS = 120_000;
let role: Role | null = null;

function send(message: FromWorker): void {
  process.send?.(message);
}

function prepare(job: Job): Promise<Role> {
  return job.kind === 'fanin' ? prepareFanin(job) : prepareConnectStorm(job);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

process.on('message', (raw: unknown) => {
  if (!isToWorker(raw)) {
    send({ kind: 'error', message: 'unrecognised message from the orchestrator' });
    return;
  }
  if (raw.kind === 'job') {
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
  if (raw.kind === 'go') {
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
  const stopping = role?.stop() ?? Promise.resolve();
  stopping.finally(() => {
    process.send?.({ kind: 'stopped' } satisfies FromWorker, () => process.exit(0));
  });
});

process.on('disconnect', () => process.exit(0));
