/** The table the MQTT-SN benchmark prints, and the JSON it writes. */

export interface Figure {
  readonly label: string;
  readonly unit: string;
  /** MQTT-SN's figure (median over runs). */
  readonly value: number | null;
  /** The same load through this broker's own TCP front end, where there is one. */
  readonly reference: number | null;
  /** MQTT-SN / TCP, where there is a reference. */
  readonly ratio?: number | null;
  readonly target: string;
  readonly meetsTarget: boolean | null;
  readonly gatewayCpu: number | null;
  readonly generatorCpu: number | null;
  readonly notes: readonly string[];
}

export function median(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (present.length === 0) return null;
  const middle = Math.floor(present.length / 2);
  const upper = present[middle] ?? 0;
  return present.length % 2 === 1 ? upper : ((present[middle - 1] ?? upper) + upper) / 2;
}

function formatNumber(value: number | null, unit: string): string {
  if (value === null) return '—';
  const digits = unit === 'ms' ? 2 : unit === 'ratio' ? 2 : 0;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function percent(share: number | null): string {
  return share === null ? '—' : `${Math.round(share * 100)}%`;
}

export function formatTable(figures: readonly Figure[]): string {
  const header = ['figure', 'MQTT-SN', 'TCP (same load)', 'ratio', 'target', 'gateway CPU', 'generator CPU'];
  const rows = figures.map((f) => [
    `${f.label} (${f.unit})`,
    formatNumber(f.value, f.unit),
    formatNumber(f.reference, f.unit),
    f.ratio === undefined || f.ratio === null ? '—' : f.ratio.toFixed(2),
    `${f.target}${f.meetsTarget === null ? '' : f.meetsTarget ? ' ✓' : ' ✗'}`,
    percent(f.gatewayCpu),
    percent(f.generatorCpu),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const notes = figures.flatMap((f) => f.notes.map((n) => `  ${f.label}: ${n}`));
  if (notes.length > 0) out.push('', 'notes:', ...notes);
  return out.join('\n');
}
