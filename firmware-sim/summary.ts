/**
 * The end-of-run summary (what `--json` prints and `runFleet` returns) and its text form.
 * "Delivered" for energy per message: acknowledged messages at QoS 1/2; at QoS 0/−1 the sensor
 * cannot know, so every sent message counts (compare with what a subscriber received).
 */
import { addEnergy, type EnergyBreakdown, totalEnergy } from './battery.js';
import type { NetworkCounters } from './links/types.js';
import type { SensorStateKind } from './sensor-state.js';
import { addCounters, emptyCounters, type GroupStats, percentile, type SensorCounters } from './stats.js';

export interface Latency {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface GroupSummary {
  qos: number;
  sleepSeconds: number;
  sensors: number;
  counters: SensorCounters;
  latency: Latency | null;
  energy: EnergyBreakdown & { totalJ: number };
  /** Messages counted as delivered: acknowledged (QoS 1/2) or sent (QoS 0/−1). */
  delivered: number;
  /** Energy per delivered message, millijoules (null when nothing was delivered). */
  energyPerDeliveredMj: number | null;
}

export interface Summary {
  transport: string;
  seed: number;
  lossPercent: number;
  sensors: number;
  elapsedSeconds: number;
  totals: SensorCounters;
  latency: Latency | null;
  energyJ: number;
  groups: GroupSummary[];
  network: NetworkCounters;
  /** How many sensors ended in each state (all 'stopped' after a clean end). */
  states: Partial<Record<SensorStateKind, number>>;
}

export function latencyOf(samples: readonly number[]): Latency | null {
  if (samples.length === 0) return null;
  const round = (ms: number | undefined): number => Math.round((ms ?? 0) * 100) / 100;
  return {
    samples: samples.length,
    p50Ms: round(percentile(samples, 50)),
    p99Ms: round(percentile(samples, 99)),
    maxMs: round(samples.reduce((max, sample) => Math.max(sample, max), 0)),
  };
}

export function summariseGroup(group: GroupStats): GroupSummary {
  const delivered = group.qos >= 1 ? group.counters.acknowledged : group.counters.sent;
  const totalJ = totalEnergy(group.energy);
  return {
    qos: group.qos,
    sleepSeconds: group.sleepSeconds,
    sensors: group.sensors,
    counters: { ...group.counters },
    latency: latencyOf(group.latenciesMs),
    energy: { ...group.energy, totalJ },
    delivered,
    energyPerDeliveredMj: delivered > 0 ? (totalJ / delivered) * 1000 : null,
  };
}

export function buildSummary(
  base: Omit<Summary, 'totals' | 'latency' | 'energyJ' | 'groups'>,
  groups: readonly GroupStats[],
): Summary {
  const totals = emptyCounters();
  const energy: EnergyBreakdown = { txJ: 0, rxJ: 0, awakeJ: 0, asleepJ: 0 };
  const allLatencies: number[] = [];
  for (const group of groups) {
    addCounters(totals, group.counters);
    addEnergy(energy, group.energy);
    for (const sample of group.latenciesMs) allLatencies.push(sample);
  }
  return {
    ...base,
    totals,
    latency: latencyOf(allLatencies),
    energyJ: totalEnergy(energy),
    groups: groups.map(summariseGroup),
  };
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

export function formatSummary(summary: Summary): string {
  const t = summary.totals;
  const latency = summary.latency
    ? `p50 ${fixed(summary.latency.p50Ms, 1)} ms, p99 ${fixed(summary.latency.p99Ms, 1)} ms (${summary.latency.samples} acks)`
    : 'none (no QoS 1/2 acknowledgements)';
  const lines = [
    `firmware-sim: ${summary.sensors} sensors over ${summary.transport}, ${fixed(summary.elapsedSeconds, 1)} s, seed ${summary.seed}, loss ${summary.lossPercent} %`,
    `  sent ${t.sent}  acknowledged ${t.acknowledged}  retried ${t.retried}  lost ${t.lost}  rejected ${t.rejected}`,
    `  received ${t.received}  duplicates ${t.duplicates}  commands ${t.commands} (${t.badCommands} bad)`,
    `  connects ${t.connects}  connection losses ${t.connectionLosses}  sleeps ${t.sleeps}  wake-ups ${t.wakeups}`,
    `  latency PUBLISH→PUBACK/PUBCOMP: ${latency}`,
    `  energy ${fixed(summary.energyJ, 3)} J`,
  ];
  for (const group of summary.groups) {
    const e = group.energy;
    const perMessage =
      group.energyPerDeliveredMj === null ? 'n/a' : `${fixed(group.energyPerDeliveredMj, 3)} mJ`;
    lines.push(
      `  [qos ${group.qos}, ${group.sleepSeconds > 0 ? `sleep ${group.sleepSeconds} s` : 'awake'}] ${group.sensors} sensors: ` +
        `${group.delivered} delivered, ${perMessage}/message ` +
        `(tx ${fixed(e.txJ, 3)} J, rx ${fixed(e.rxJ, 3)} J, awake ${fixed(e.awakeJ, 3)} J, asleep ${fixed(e.asleepJ, 6)} J)`,
    );
  }
  const n = summary.network;
  lines.push(
    `  radio: ${n.datagramsOut} out, ${n.datagramsIn} in, ${n.droppedByLoss} dropped by --loss, ${n.unroutable} unroutable`,
  );
  const notStopped = Object.entries(summary.states).filter(([state]) => state !== 'stopped');
  if (notStopped.length > 0) {
    lines.push(
      `  not cleanly stopped: ${notStopped.map(([state, count]) => `${count} ${state}`).join(', ')}`,
    );
  }
  return lines.join('\n');
}
