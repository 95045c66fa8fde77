/**
 * A load-generator process of the MQTT-SN benchmark: runs one fan-in or connect-storm job
 * (common/worker.ts has the protocol).
 */
import { serveJobs } from '../common/worker.js';
import { prepareConnectStorm } from './connect-storm.js';
import { prepareFanin } from './fanin.js';
import type { Job, JobResult } from './protocol.js';
import type { Role } from './role.js';

const GRACE_MS = 120_000;

function prepare(job: Job): Promise<Role> {
  return job.kind === 'fanin' ? prepareFanin(job) : prepareConnectStorm(job);
}

serveJobs<Job, JobResult>(prepare, GRACE_MS);
