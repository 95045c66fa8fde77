/**
 * A load-generator process of the broker benchmark. The orchestrator forks several of these so the
 * load can use the machine's cores; each runs one job (common/worker.ts has the protocol).
 */
import { serveJobs } from './common/worker.js';
import type { Job, JobResult } from './protocol.js';
import { prepareIdle } from './roles/idle.js';
import { prepareLatency } from './roles/latency.js';
import { preparePublishers } from './roles/publisher.js';
import type { Role } from './roles/role.js';
import { prepareSubscribers } from './roles/subscriber.js';

// Preparing may take up to a minute (the orchestrator's limit) before the run's own deadline starts.
const GRACE_MS = 90_000;

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

serveJobs<Job, JobResult>(prepare, GRACE_MS);
