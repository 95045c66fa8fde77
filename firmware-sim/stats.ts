/**
 * Counters of one group of sensors (same QoS and sleep setting, so that energy per delivered
 * message can be compared across groups), incremented directly by the sensors: no events, no
 * allocation on the hot path. Latencies are kept as samples for p50/p99.
 */
import type { EnergyBreakdown } from './battery.js';

export interface SensorCounters {
  /** Application messages handed to the radio (first transmissions; readings and battery levels). */
  sent: number;
  /** QoS 1/2 messages completed: PUBACK (QoS 1) or PUBCOMP (QoS 2) with ReturnCode accepted. */
  acknowledged: number;
  /** Retransmissions after T_retry (§6.13), of any message (PUBLISH, REGISTER, CONNECT, PINGREQ …). */
  retried: number;
  /** QoS 1/2 messages given up (N_retry exhausted, connection lost, unfinished at the end) or
   *  readings dropped because the outbox was full while the sensor could not send. */
  lost: number;
  /** PUBLISHes refused by the gateway (PUBACK with a rejection ReturnCode). */
  rejected: number;
  /** PUBLISHes received from the gateway (commands, anything on a subscribed topic), duplicates excluded. */
  received: number;
  /** PUBLISHes received again (DUP with a MsgId already received, QoS 1/2). */
  duplicates: number;
  /** Commands applied (`interval=5`, `sleep=30` …) and ones that could not be understood. */
  commands: number;
  badCommands: number;
  /** CONNACKs accepted, connection losses (N_retry exhausted, §6.13), DISCONNECTs the gateway sent on its own. */
  connects: number;
  connectionLosses: number;
  gatewayDisconnects: number;
  /** Times a sensor went to sleep (DISCONNECT with duration acknowledged) and woke to poll (PINGREQ). */
  sleeps: number;
  wakeups: number;
  /** Registrations (REGISTER sent and accepted) and REGISTERs from the gateway answered. */
  registrations: number;
  gatewayRegisters: number;
}

export function emptyCounters(): SensorCounters {
  return {
    sent: 0,
    acknowledged: 0,
    retried: 0,
    lost: 0,
    rejected: 0,
    received: 0,
    duplicates: 0,
    commands: 0,
    badCommands: 0,
    connects: 0,
    connectionLosses: 0,
    gatewayDisconnects: 0,
    sleeps: 0,
    wakeups: 0,
    registrations: 0,
    gatewayRegisters: 0,
  };
}

export class GroupStats {
  readonly counters: SensorCounters = emptyCounters();
  /** PUBLISH → PUBACK / PUBCOMP, milliseconds, QoS 1/2 only. */
  readonly latenciesMs: number[] = [];
  readonly energy: EnergyBreakdown = { txJ: 0, rxJ: 0, awakeJ: 0, asleepJ: 0 };
  sensors = 0;

  constructor(
    readonly qos: number,
    readonly sleepSeconds: number,
  ) {}

  get key(): string {
    return groupKey(this.qos, this.sleepSeconds);
  }
}

export function groupKey(qos: number, sleepSeconds: number): string {
  return `qos ${qos}, ${sleepSeconds > 0 ? `sleep ${sleepSeconds} s` : 'awake'}`;
}

export function addCounters(into: SensorCounters, from: SensorCounters): void {
  for (const key of Object.keys(into) as (keyof SensorCounters)[]) into[key] += from[key];
}

/** Nearest-rank percentile of unsorted samples (sorts a copy); undefined without samples. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
