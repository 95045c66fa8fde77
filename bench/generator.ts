/** Starts a load-generator process of the broker benchmark (worker.js beside this file). */
import { fileURLToPath } from 'node:url';
import { GeneratorProcess } from './common/generator.js';
import type { Job, JobResult } from './protocol.js';

const WORKER_PATH = fileURLToPath(new URL('./worker.js', import.meta.url));

export function startGenerator(label: string): GeneratorProcess<Job, JobResult> {
  return GeneratorProcess.start(label, WORKER_PATH);
}
