/** The benchmark's runs turned into the figures of its table (medians over runs). */
import type { Measurement } from './measure.js';
import type { Options, ScenarioName } from './plan.js';
import { type Figure, median } from './report.js';

export interface Recorded {
  scenario: ScenarioName;
  variant: string;
  run: number;
  /** The first job's measurement. */
  measurement: Measurement | null;
  /** Those of the jobs after it on the same gateway (the clients run's second batch). */
  more: Measurement[];
  error: string | null;
}

/** A figure of each run of one variant, by run number. */
function byRun(
  records: Recorded[],
  scenario: ScenarioName,
  variant: string,
  metric: (m: Measurement) => number | null,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of records) {
    if (r.scenario !== scenario || r.variant !== variant || r.measurement === null) continue;
    const value = metric(r.measurement);
    if (value !== null) out.set(r.run, value);
  }
  return out;
}

function of(records: Recorded[], scenario: ScenarioName, variant: string): Measurement[] {
  return records.flatMap((r) =>
    r.scenario === scenario && r.variant === variant && r.measurement !== null ? [r.measurement] : [],
  );
}

function throughput(m: Measurement): number | null {
  return m.result.kind === 'fanin' && m.windowSeconds > 0 ? m.result.received / m.windowSeconds : null;
}

/**
 * Messages per CPU second of the gateway: what the gateway's work per message costs, which other
 * work on the machine changes much less than it changes messages per wall second.
 */
function perGatewayCpuSecond(m: Measurement): number | null {
  const cpuSeconds = (m.gatewayCpu ?? 0) * m.windowSeconds;
  return m.result.kind === 'fanin' && cpuSeconds > 0 ? m.result.received / cpuSeconds : null;
}

/** Median over runs of MQTT-SN / TCP, each pair measured back to back. */
function pairRatios(
  records: Recorded[],
  scenario: ScenarioName,
  metric: (m: Measurement) => number | null,
): number[] {
  const tcpByRun = byRun(records, scenario, 'tcp', metric);
  return [...byRun(records, scenario, 'mqttsn', metric).entries()].flatMap(([run, snValue]) => {
    const tcpValue = tcpByRun.get(run);
    return tcpValue !== undefined && tcpValue > 0 ? [snValue / tcpValue] : [];
  });
}

function faninNotes(ms: Measurement[]): string[] {
  return ms.flatMap((m) => {
    const r = m.result;
    const notes = [...m.notes];
    if (r.kind === 'fanin' && r.received < r.sent)
      notes.push(`${r.sent - r.received} of ${r.sent} messages lost`);
    if (r.kind === 'fanin' && r.refused > 0) notes.push(`${r.refused} PUBACKs refused`);
    if ((m.generatorCpu ?? 0) > 0.9)
      notes.push('the generator was nearly saturated: the figure may be its limit');
    return notes;
  });
}

function faninFigures(records: Recorded[], scenario: 'fanin-qos0' | 'fanin-qos1', sensors: number): Figure[] {
  const sn = of(records, scenario, 'mqttsn');
  const tcp = of(records, scenario, 'tcp');
  const qos = scenario === 'fanin-qos0' ? 'QoS 0' : 'QoS 1';
  // The two front ends of one run are measured back to back: the median of those pairs' ratios
  // drifts less with other work on the machine than a ratio of medians.
  const wallRatios = pairRatios(records, scenario, throughput);
  const cpuRatios = pairRatios(records, scenario, perGatewayCpuSecond);
  const ratio = median(wallRatios);
  const perRun = (ratios: number[]) =>
    ratios.length > 1 ? [`ratio per run: ${ratios.map((r) => r.toFixed(2)).join(', ')}`] : [];
  const cpu = {
    gatewayCpu: median(sn.map((m) => m.gatewayCpu)),
    generatorCpu: median(sn.map((m) => m.generatorCpu)),
  };
  return [
    {
      label: `${qos} fan-in, ${sensors} publishers → 1 TCP subscriber`,
      unit: 'msg/s',
      value: median(sn.map(throughput)),
      reference: median(tcp.map(throughput)),
      ratio,
      target: 'ratio ≥ 0.7',
      meetsTarget: ratio === null ? null : ratio >= 0.7,
      ...cpu,
      notes: [
        ...perRun(wallRatios),
        ...faninNotes(sn).map((n) => `MQTT-SN: ${n}`),
        ...faninNotes(tcp).map((n) => `TCP: ${n}`),
      ],
    },
    {
      label: `  the same, per CPU second of the gateway`,
      unit: 'msg',
      value: median(sn.map(perGatewayCpuSecond)),
      reference: median(tcp.map(perGatewayCpuSecond)),
      ratio: median(cpuRatios),
      target: '—',
      meetsTarget: null,
      ...cpu,
      notes: perRun(cpuRatios),
    },
  ];
}

function latencyOf(m: Measurement, key: 'p50Us' | 'p99Us'): number | null {
  return m.result.kind === 'fanin' && m.result.latency !== null ? m.result.latency[key] / 1000 : null;
}

function latencyFigures(records: Recorded[], rate: number): Figure[] {
  const figures: Figure[] = [];
  for (const [qos, sn, tcp] of [
    [0, of(records, 'latency', 'mqttsn-qos0'), of(records, 'latency', 'tcp-qos0')],
    [1, of(records, 'latency', 'mqttsn-qos1'), []],
  ] as const) {
    for (const key of ['p50Us', 'p99Us'] as const) {
      figures.push({
        label: `latency QoS ${qos} at ${rate} msg/s, ${key.slice(0, 3)}`,
        unit: 'ms',
        value: median(sn.map((m) => latencyOf(m, key))),
        reference: median(tcp.map((m) => latencyOf(m, key))),
        target: '—',
        meetsTarget: null,
        gatewayCpu: median(sn.map((m) => m.gatewayCpu)),
        generatorCpu: median(sn.map((m) => m.generatorCpu)),
        notes:
          key === 'p50Us'
            ? sn.flatMap((m) => {
                const r = m.result;
                const notes = faninNotes([m]);
                if (r.kind === 'fanin' && r.achievedRate < rate * 0.95) {
                  notes.push(`sent ${Math.round(r.achievedRate)} msg/s of ${rate}`);
                }
                return notes;
              })
            : [],
      });
    }
  }
  return figures;
}

function clientFigures(records: Recorded[], clients: number): Figure[] {
  const ms = of(records, 'clients', 'mqttsn');
  const connectRate = (m: Measurement): number | null =>
    m.result.kind === 'connect' && m.windowSeconds > 0 ? m.result.connected / m.windowSeconds : null;
  const bytesPerClient = (m: Measurement): number | null =>
    m.result.kind === 'connect' && m.result.connected > 0
      ? ((m.rssAfterKb - m.rssBeforeKb) * 1024) / m.result.connected
      : null;
  const notes = ms.flatMap((m) => {
    const r = m.result;
    if (r.kind !== 'connect') return [];
    return [
      ...m.notes,
      `${r.connected} of ${clients} connected, ${r.refused} refused, ${r.retries} CONNECTs resent; gateway RSS ${Math.round(m.rssBeforeKb / 1024)} → ${Math.round(m.rssAfterKb / 1024)} MB (peak ${Math.round(m.peakRssKb / 1024)} MB)`,
    ];
  });
  const rate = median(ms.map(connectRate));
  const bytes = median(ms.map(bytesPerClient));
  const second = records.flatMap((r) => (r.scenario === 'clients' ? r.more.slice(0, 1) : []));
  const marginal = median(second.map(bytesPerClient));
  const cpu = {
    gatewayCpu: median(ms.map((m) => m.gatewayCpu)),
    generatorCpu: median(ms.map((m) => m.generatorCpu)),
  };
  return [
    {
      label: `CONNECTs of ${clients} clients via forwarders`,
      unit: 'conn/s',
      value: rate,
      reference: null,
      target: 'thousands',
      meetsTarget: rate === null ? null : rate >= 1000,
      ...cpu,
      notes,
    },
    {
      label: 'gateway resident memory per connected client',
      unit: 'bytes',
      value: bytes,
      reference: null,
      target: '≤ 2048',
      meetsTarget: bytes === null ? null : bytes <= 2048,
      ...cpu,
      notes: [],
    },
    {
      label: `  the same, ${clients} more clients on top (marginal)`,
      unit: 'bytes',
      value: marginal,
      reference: null,
      target: '≤ 2048',
      meetsTarget: marginal === null ? null : marginal <= 2048,
      gatewayCpu: median(second.map((m) => m.gatewayCpu)),
      generatorCpu: median(second.map((m) => m.generatorCpu)),
      notes: second.flatMap((m) =>
        m.result.kind === 'connect'
          ? [
              ...m.notes,
              `second batch: ${m.result.connected} connected at ${Math.round(m.result.connected / m.windowSeconds)}/s; gateway RSS ${Math.round(m.rssBeforeKb / 1024)} → ${Math.round(m.rssAfterKb / 1024)} MB`,
            ]
          : [],
      ),
    },
  ];
}

export function figures(records: Recorded[], options: Options): Figure[] {
  const out: Figure[] = [];
  for (const scenario of options.scenario) {
    if (scenario === 'fanin-qos0' || scenario === 'fanin-qos1')
      out.push(...faninFigures(records, scenario, options.sensors));
    else if (scenario === 'latency') out.push(...latencyFigures(records, options.rate));
    else out.push(...clientFigures(records, options.clients));
  }
  return out;
}
