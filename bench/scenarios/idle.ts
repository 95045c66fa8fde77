/**
 * Idle connections: the broker's resident memory (VmRSS) before and after N MQTT connections are
 * open and quiet, divided by N; and how fast they were accepted (CONNECT → CONNACK), with the
 * handshakes spread over the generator processes.
 */

import { readRssKb } from '../procstat.js';
import type { IdleJob } from '../protocol.js';
import { sleep } from '../targets.js';
import { cpuShare, generatorBottleneckNote, runGenerators, split } from './harness.js';
import { type Scenario, THROUGHPUT_TARGET } from './types.js';

/** Let the broker finish what the last handshakes started (and a garbage collector run) before reading RSS. */
const SETTLE_MS = 1_000;

export const idleConnections: Scenario = {
  name: 'idle-conns',
  description: 'N idle MQTT connections: broker RSS growth per connection, connections accepted per second',
  metrics: [
    { key: 'kb_per_conn', label: 'RSS/conn', unit: 'KB', digits: 2, target: { kind: 'max-value', value: 4 } },
    { key: 'conns_per_s', label: 'conn/s', unit: 'conn/s', digits: 0, target: THROUGHPUT_TARGET },
  ],
  tuning: () => ({ noDelay: false, queueLimit: 100_000 }),
  run: async (context) => {
    const { load, broker } = context;
    const processes = Math.max(1, Math.min(load.generatorProcesses, load.connections));
    const jobs: IdleJob[] = split(load.connections, processes).map((connections, i) => ({
      kind: 'idle',
      port: broker.port,
      connections,
      concurrency: Math.max(1, Math.floor(load.connectConcurrency / processes)),
      clientIdPrefix: `${context.idPrefix}idle${i}-`,
      deadlineMs: load.timeoutSeconds * 1000,
    }));
    let rssBeforeKb = 0;
    let rssAfterKb = 0;
    const run = await runGenerators(context, jobs, {
      beforeGo: async () => {
        await sleep(SETTLE_MS);
        rssBeforeKb = readRssKb(broker.pid);
      },
      afterResults: async () => {
        await sleep(SETTLE_MS);
        if (broker.running) rssAfterKb = readRssKb(broker.pid);
      },
    });
    const notes = [...run.failures];
    let connected = 0;
    let failed = 0;
    let startNs = Number.POSITIVE_INFINITY;
    let endNs = 0;
    for (const { result } of run.measured) {
      if (result.kind !== 'idle') continue;
      connected += result.connected;
      failed += result.failed;
      startNs = Math.min(startNs, result.startNs);
      endNs = Math.max(endNs, result.endNs);
      if (result.timedOut) notes.push(`stopped at the ${load.timeoutSeconds} s limit`);
    }
    if (failed > 0) notes.push(`${failed} of ${load.connections} connections failed`);
    if (!broker.running) notes.push(`broker ${broker.exitReason}`);
    const measurable = broker.running && connected > 0 && endNs > startNs;
    const bottleneck = measurable ? generatorBottleneckNote(run, startNs, endNs) : null;
    if (bottleneck !== null) notes.push(bottleneck);
    notes.push(`RSS ${(rssBeforeKb / 1024).toFixed(1)} → ${(rssAfterKb / 1024).toFixed(1)} MB`);
    return {
      metrics: {
        kb_per_conn: measurable && rssAfterKb > 0 ? (rssAfterKb - rssBeforeKb) / connected : null,
        conns_per_s: measurable ? connected / ((endNs - startNs) / 1e9) : null,
      },
      generatorCpu: measurable ? cpuShare(run.generatorCpuSeconds, startNs, endNs) : null,
      brokerCpu: measurable ? cpuShare(run.sampler.secondsBetween(startNs, endNs), startNs, endNs) : null,
      notes,
    };
  },
};
