/**
 * Latency at a steady rate with TCP_NODELAY on the generator's sockets (and on mosquitto's, via
 * set_tcp_nodelay). The generator process spins to keep the pace, so its CPU share reads ~100% by design.
 */
import type { LatencyJob } from '../protocol.js';
import { cpuShare, runGenerators } from './harness.js';
import type { Scenario } from './types.js';

export const latency: Scenario = {
  name: 'latency',
  description: 'p50/p99 publish→deliver latency at a steady rate, 1 publisher → 1 subscriber, QoS 0',
  metrics: [
    { key: 'p50_us', label: 'p50', unit: 'µs', digits: 0, target: { kind: 'none' } },
    { key: 'p99_us', label: 'p99', unit: 'µs', digits: 0, target: { kind: 'max-ratio', ratio: 2 } },
  ],
  tuning: () => ({ noDelay: true, queueLimit: 100_000 }),
  run: async (context) => {
    const { load } = context;
    const job: LatencyJob = {
      kind: 'latency',
      port: context.broker.port,
      clientIdPrefix: `${context.idPrefix}lat`,
      rate: load.rate,
      warmupMs: load.warmupSeconds * 1000,
      durationMs: load.latencySeconds * 1000,
      payloadSize: load.payloadSize,
      deadlineMs: load.timeoutSeconds * 1000,
    };
    const run = await runGenerators(context, [job]);
    const notes = [...run.failures];
    const measured = run.measured[0];
    if (measured === undefined || measured.result.kind !== 'latency') {
      return { metrics: { p50_us: null, p99_us: null }, generatorCpu: null, brokerCpu: null, notes };
    }
    const r = measured.result;
    notes.push(
      `p99.9 ${r.p999Us.toFixed(0)} µs, max ${r.maxUs.toFixed(0)} µs, ${r.samples} samples, ` +
        `sent at ${Math.round(r.achievedRate)}/s`,
    );
    if (r.received < r.sent) notes.push(`received ${r.received} of ${r.sent}`);
    if (r.errors > 0) notes.push(`${r.errors} connections closed during the run`);
    if (r.timedOut) notes.push(`stopped at the ${load.timeoutSeconds} s limit`);
    if (!context.broker.running) notes.push(`broker ${context.broker.exitReason}`);
    const valid = r.samples > 0 && r.errors === 0 && context.broker.running;
    return {
      metrics: { p50_us: valid ? r.p50Us : null, p99_us: valid ? r.p99Us : null },
      generatorCpu: cpuShare(run.generatorCpuSeconds, r.startNs, r.endNs),
      brokerCpu: cpuShare(run.sampler.secondsBetween(r.startNs, r.endNs), r.startNs, r.endNs),
      notes,
    };
  },
};
