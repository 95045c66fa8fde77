/**
 * Starts a load-generator process of the MQTT-SN benchmark (bench/mqttsn/worker.js); its open-file
 * limit is raised for 1,000 UDP sensors + 1,000 TCP publishers.
 */
import { fileURLToPath } from 'node:url';
import { GeneratorProcess } from '../common/generator.js';
import type { Job, JobResult } from './protocol.js';

const WORKER_PATH = fileURLToPath(new URL('./worker.js', import.meta.url));

export function startSnGenerator(label: string): GeneratorProcess<Job, JobResult> {
  return GeneratorProcess.start(label, WORKER_PATH);
}
