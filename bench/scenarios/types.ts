import type { BrokerTuning, RunningBroker } from '../targets.js';

export type ScenarioName = 'fanin-qos0' | 'fanout-qos0' | 'fanin-qos1' | 'latency' | 'idle-conns';

export const SCENARIO_NAMES: readonly ScenarioName[] = [
  'fanin-qos0',
  'fanout-qos0',
  'fanin-qos1',
  'latency',
  'idle-conns',
];

/** Load sizes, all from the command line (defaults are the figures). */
export interface LoadOptions {
  readonly timeoutSeconds: number;
  readonly generatorProcesses: number;
  readonly payloadSize: number;
  readonly faninMessages: number;
  readonly publishers: number;
  readonly window: number;
  readonly subscribers: number;
  readonly fanoutMessages: number;
  readonly rate: number;
  readonly latencySeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly connectConcurrency: number;
}

/** How a figure is judged against mosquitto's, per the targets. */
export type Target =
  | { readonly kind: 'min-ratio'; readonly ratio: number }
  | { readonly kind: 'max-ratio'; readonly ratio: number }
  | { readonly kind: 'max-value'; readonly value: number }
  | { readonly kind: 'none' };

export interface MetricSpec {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly digits: number;
  readonly target: Target;
}

/** What one run of a scenario against one broker measured. */
export interface ScenarioOutcome {
  readonly metrics: Record<string, number | null>;
  /** CPU seconds per wall second over the measured window (1.0 = one core busy). */
  readonly generatorCpu: number | null;
  readonly brokerCpu: number | null;
  readonly notes: string[];
}

export interface ScenarioContext {
  readonly broker: RunningBroker;
  readonly load: LoadOptions;
  /** Client ids are unique per run so a slow broker's leftover sessions never collide. */
  readonly idPrefix: string;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  readonly metrics: readonly MetricSpec[];
  readonly tuning: (load: LoadOptions) => BrokerTuning;
  readonly run: (context: ScenarioContext) => Promise<ScenarioOutcome>;
}

export const THROUGHPUT_TARGET: Target = { kind: 'min-ratio', ratio: 0.8 };
export const PEAK_MEMORY: MetricSpec = {
  key: 'peak_rss_mb',
  label: 'peak RSS',
  unit: 'MB',
  digits: 1,
  target: { kind: 'none' },
};
