/**
 * One measured run: a fresh gateway process, one generator process with one job, the gateway's CPU
 * sampled over the measured window and its resident memory read before and after, then everything
 * stopped — also when something fails.
 */
import { CpuSampler, readPeakRssKb, readRssKb } from '../procstat.js';
import { type RunningBroker, sleep } from '../targets.js';
import { startGatewayProcess } from './gateway.js';
import { startSnGenerator } from './generator.js';
import { type Job, type JobResult, nowNs } from './protocol.js';

const PREPARE_TIMEOUT_MS = 120_000;
const RESULT_GRACE_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
/** Lets the gateway's allocations settle before its memory is read after a run. */
const SETTLE_MS = 1500;

export interface Measurement {
  readonly result: JobResult;
  /** Seconds of the measured window (first send → last arrival, or first CONNECT → last CONNACK). */
  readonly windowSeconds: number;
  /** Gateway CPU seconds per wall second over the window (1.0 = one core). */
  readonly gatewayCpu: number | null;
  /** Generator CPU seconds per wall second between 'go' and its result. */
  readonly generatorCpu: number | null;
  readonly rssBeforeKb: number;
  readonly rssAfterKb: number;
  readonly peakRssKb: number;
  readonly notes: string[];
}

/**
 * Runs `jobs` one after the other against one fresh gateway (a second connect job adds clients to
 * those of the first, for the marginal memory per client), one generator process each.
 */
export async function measure(
  jobs: readonly Job[],
  label: string,
  lifetimeSeconds: number,
): Promise<Measurement[]> {
  const { broker, udpPort } = await startGatewayProcess(lifetimeSeconds);
  const out: Measurement[] = [];
  try {
    for (const [i, job] of jobs.entries()) {
      const placed: Job =
        job.kind === 'fanin' ? { ...job, mqttPort: broker.port, udpPort } : { ...job, udpPort };
      out.push(await measureOne(broker, placed, `${label}${jobs.length > 1 ? ` part ${i + 1}` : ''}`));
      if (!broker.running) break;
    }
    return out;
  } finally {
    await broker.stop();
  }
}

async function measureOne(broker: RunningBroker, job: Job, label: string): Promise<Measurement> {
  const generator = startSnGenerator(label);
  const notes: string[] = [];
  try {
    await generator.prepare(job, PREPARE_TIMEOUT_MS);
    const rssBeforeKb = readRssKb(broker.pid);
    const sampler = new CpuSampler(broker.pid);
    const goNs = nowNs();
    generator.go();
    const { result, cpuUs } = await generator.result(job.deadlineMs + RESULT_GRACE_MS);
    const resultNs = nowNs();
    sampler.stop();
    if (job.kind === 'connect') await sleep(SETTLE_MS);
    if (!broker.running) notes.push(`the gateway ${broker.exitReason}: ${broker.outputTail().slice(-300)}`);
    const rssAfterKb = broker.running ? readRssKb(broker.pid) : 0;
    const peakRssKb = broker.running ? readPeakRssKb(broker.pid) : 0;
    const [fromNs, toNs] = window(result);
    const windowSeconds = (toNs - fromNs) / 1e9;
    if (result.timedOut) notes.push('timed out: partial figures');
    return {
      result,
      windowSeconds,
      gatewayCpu: windowSeconds > 0 ? sampler.secondsBetween(fromNs, toNs) / windowSeconds : null,
      generatorCpu: resultNs > goNs ? cpuUs / 1e6 / ((resultNs - goNs) / 1e9) : null,
      rssBeforeKb,
      rssAfterKb,
      peakRssKb,
      notes,
    };
  } finally {
    await generator.stop(STOP_TIMEOUT_MS);
  }
}

function window(result: JobResult): [number, number] {
  if (result.kind === 'fanin')
    return [result.firstSendNs, Math.max(result.lastArrivalNs, result.firstSendNs)];
  return [result.startNs, result.endNs];
}
