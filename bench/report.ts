/**
 * Turns the runs into medians, ratios and verdicts, and prints the table
 *   scenario | ours | mosquitto | ratio | target | generator CPU
 */
import type { MetricSpec, Scenario, ScenarioOutcome, Target } from './scenarios/types.js';
import type { TargetName } from './targets.js';

export interface RunRecord {
  readonly scenario: Scenario['name'];
  readonly target: TargetName;
  readonly run: number;
  readonly outcome: ScenarioOutcome | null;
  readonly error: string | null;
}

export interface CpuFigures {
  readonly generator: number | null;
  readonly broker: number | null;
}

export interface MetricSummary {
  readonly scenario: Scenario['name'];
  readonly metric: MetricSpec;
  readonly ours: number | null;
  readonly mosquitto: number | null;
  /** ours / mosquitto. */
  readonly ratio: number | null;
  readonly meetsTarget: boolean | null;
  readonly cpu: Readonly<Record<TargetName, CpuFigures>>;
}

export function median(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (present.length === 0) return null;
  const middle = Math.floor(present.length / 2);
  return present.length % 2 === 1 ? present[middle]! : (present[middle - 1]! + present[middle]!) / 2;
}

export function summarise(scenario: Scenario, records: readonly RunRecord[]): MetricSummary[] {
  const mine = records.filter((r) => r.scenario === scenario.name);
  const outcomes = (target: TargetName): ScenarioOutcome[] =>
    mine.filter((r) => r.target === target && r.outcome !== null).map((r) => r.outcome!);
  const cpu = (target: TargetName): CpuFigures => ({
    generator: median(outcomes(target).map((o) => o.generatorCpu)),
    broker: median(outcomes(target).map((o) => o.brokerCpu)),
  });
  const cpuByTarget = { ours: cpu('ours'), mosquitto: cpu('mosquitto') };
  return scenario.metrics.map((metric) => {
    const ours = median(outcomes('ours').map((o) => o.metrics[metric.key] ?? null));
    const mosquitto = median(outcomes('mosquitto').map((o) => o.metrics[metric.key] ?? null));
    const ratio = ours !== null && mosquitto !== null && mosquitto > 0 ? ours / mosquitto : null;
    return {
      scenario: scenario.name,
      metric,
      ours,
      mosquitto,
      ratio,
      meetsTarget: verdict(metric.target, ours, ratio),
      cpu: cpuByTarget,
    };
  });
}

function verdict(target: Target, ours: number | null, ratio: number | null): boolean | null {
  switch (target.kind) {
    case 'min-ratio':
      return ratio === null ? null : ratio >= target.ratio;
    case 'max-ratio':
      return ratio === null ? null : ratio <= target.ratio;
    case 'max-value':
      return ours === null ? null : ours <= target.value;
    case 'none':
      return null;
  }
}

function targetText(metric: MetricSpec): string {
  const target = metric.target;
  switch (target.kind) {
    case 'min-ratio':
      return `≥ ${target.ratio}×`;
    case 'max-ratio':
      return `≤ ${target.ratio}×`;
    case 'max-value':
      return `≤ ${target.value} ${metric.unit}`;
    case 'none':
      return '';
  }
}

function formatValue(value: number | null, metric: MetricSpec): string {
  if (value === null) return 'n/a';
  const text = value.toLocaleString('en-US', {
    minimumFractionDigits: metric.digits,
    maximumFractionDigits: metric.digits,
  });
  return `${text} ${metric.unit}`;
}

function percent(share: number | null): string {
  return share === null ? '?' : `${Math.round(share * 100)}%`;
}

function cpuText(cpu: Readonly<Record<TargetName, CpuFigures>>, targets: readonly TargetName[]): string {
  const short: Record<TargetName, string> = { ours: 'ours', mosquitto: 'mosq' };
  return targets
    .map((t) => `${short[t]}: gen ${percent(cpu[t].generator)} / broker ${percent(cpu[t].broker)}`)
    .join('; ');
}

export function renderTable(summaries: readonly MetricSummary[], targets: readonly TargetName[]): string {
  const header = ['scenario', 'ours', 'mosquitto', 'ratio', 'target', 'generator CPU (of one core)'];
  const rows = summaries.map((s, i) => {
    const firstOfScenario = i === 0 || summaries[i - 1]!.scenario !== s.scenario;
    const mark = s.meetsTarget === null ? '' : s.meetsTarget ? ' ✓' : ' ✗';
    return [
      `${s.scenario} ${s.metric.label}`,
      formatValue(s.ours, s.metric),
      formatValue(s.mosquitto, s.metric),
      s.ratio === null ? 'n/a' : `${s.ratio.toFixed(2)}×`,
      `${targetText(s.metric)}${mark}`,
      firstOfScenario ? cpuText(s.cpu, targets) : '',
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Notes worth reading next to the table: losses, timeouts, failures — one line per run that had any. */
export function renderNotes(records: readonly RunRecord[]): string {
  const lines: string[] = [];
  for (const r of records) {
    const notes = r.error !== null ? [`FAILED: ${r.error.split('\n')[0]}`] : (r.outcome?.notes ?? []);
    if (notes.length > 0) lines.push(`- ${r.scenario} / ${r.target} / run ${r.run}: ${notes.join('; ')}`);
  }
  return lines.join('\n');
}
