/**
 * MQTT-SN benchmark (issue 4), side by side in one run against the gateway built into this broker,
 * started as its own process (the built binary, a temporary gateway.conf) fresh for every run:
 *  - fan-in: QoS 0 and QoS 1 PUBLISHes from 1,000 UDP sensors to one MQTT subscriber on TCP, against
 *    this broker's own TCP fan-in of the same messages (1,000 TCP publishers, same flow control);
 *    target: MQTT-SN at least 0.7× TCP;
 *  - latency: p50/p99 from send to arrival at the subscriber at a fixed moderate rate;
 *  - clients: 100,000 MQTT-SN clients connected through forwarders (MQTT-SN §5.5): CONNECTs per
 *    second (target: thousands) and the gateway's resident memory per client (target ≤ 2 KB).
 * The load runs in generator processes (raw dgram/net sockets, pre-encoded packets); their CPU share
 * is printed beside every figure. Prints a table and writes bench/results/mqttsn-<time>.json.
 *
 *   npm run build && node dist/bench/mqttsn.js [--runs 3] [--scenario fanin-qos0,clients] [--help]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { installExitHandlers, killAllChildren } from './cleanup.js';
import { REPOSITORY } from './mqttsn/gateway.js';
import { type Measurement, measure } from './mqttsn/measure.js';
import type { FaninJob, Job, PublishPath, Qos01 } from './mqttsn/protocol.js';
import { type Figure, formatTable, median } from './mqttsn/report.js';

const SCENARIOS = ['fanin-qos0', 'fanin-qos1', 'latency', 'clients'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

interface Options {
  scenario: ScenarioName[];
  runs: number;
  sensors: number;
  messages: number;
  window: number;
  payload: number;
  rate: number;
  duration: number;
  warmup: number;
  clients: number;
  forwarders: number;
  connectInFlight: number;
  timeout: number;
  json?: string;
}

function positiveInt(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError('expected a positive integer');
  return value;
}

function scenarioList(raw: string): ScenarioName[] {
  const names = raw.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`unknown scenario '${name}' (known: ${SCENARIOS.join(', ')})`);
    }
  }
  return names as ScenarioName[];
}

function parseOptions(argv: string[]): Options {
  const program = new Command('mqttsn-bench')
    .description('MQTT-SN gateway benchmark: fan-in vs TCP, latency, 100k clients')
    .option('--scenario <list>', `comma-separated: ${SCENARIOS.join(', ')}`, scenarioList, [...SCENARIOS])
    .option('--runs <n>', 'runs per figure; the table shows medians', positiveInt, 1)
    .option(
      '--sensors <n>',
      'UDP sensors (and TCP publishers) in the fan-in and latency runs',
      positiveInt,
      1000,
    )
    .option('--messages <n>', 'messages per fan-in run', positiveInt, 100_000)
    .option('--window <n>', 'QoS 0 fan-in: messages sent and not yet received, at most', positiveInt, 4000)
    .option('--payload <bytes>', 'payload size (16..200: send time, publisher, sequence)', positiveInt, 32)
    .option('--rate <msg/s>', 'latency: steady rate over all sensors', positiveInt, 5000)
    .option('--duration <s>', 'latency: measured seconds', positiveInt, 5)
    .option('--warmup <s>', 'latency: discarded warm-up seconds', positiveInt, 1)
    .option('--clients <n>', 'connected MQTT-SN clients in the clients run', positiveInt, 100_000)
    .option(
      '--forwarders <n>',
      'forwarder sockets carrying those clients (65,536 node ids each)',
      positiveInt,
      4,
    )
    .option('--connect-in-flight <n>', 'CONNECTs outstanding at once', positiveInt, 256)
    .option(
      '--timeout <s>',
      'seconds after which a run stops itself and reports what it got',
      positiveInt,
      60,
    )
    .option('--json <file>', 'where to write the results (default bench/results/mqttsn-<time>.json)');
  program.parse(argv);
  return program.opts<Options>();
}

interface Recorded {
  scenario: ScenarioName;
  variant: string;
  run: number;
  measurement: Measurement | null;
  error: string | null;
}

function faninJob(
  options: Options,
  path: PublishPath,
  qos: Qos01,
  load: FaninJob['load'],
  id: string,
): FaninJob {
  return {
    kind: 'fanin',
    path,
    mqttPort: 0,
    udpPort: 0,
    publishers: options.sensors,
    qos,
    load,
    payloadSize: options.payload,
    idPrefix: id,
    deadlineMs: options.timeout * 1000,
  };
}

interface Step {
  scenario: ScenarioName;
  variant: string;
  job: (id: string) => Job;
}

/** Every (scenario, variant) pair, each with a function producing its job for one run. */
function plan(options: Options): Step[] {
  const max = { kind: 'max', messages: options.messages, window: options.window } as const;
  const rate = {
    kind: 'rate',
    rate: options.rate,
    warmupMs: options.warmup * 1000,
    durationMs: options.duration * 1000,
  } as const;
  const steps: Step[] = [];
  for (const scenario of options.scenario) {
    if (scenario === 'fanin-qos0' || scenario === 'fanin-qos1') {
      const qos: Qos01 = scenario === 'fanin-qos0' ? 0 : 1;
      // QoS 1: the window is the publishers' one PUBLISH in flight each (MQTT-SN §6.6).
      const load = qos === 0 ? max : { ...max, window: Math.max(options.window, options.sensors) };
      for (const path of ['mqttsn', 'tcp'] as const) {
        steps.push({ scenario, variant: path, job: (id) => faninJob(options, path, qos, load, id) });
      }
    } else if (scenario === 'latency') {
      steps.push({ scenario, variant: 'mqttsn-qos0', job: (id) => faninJob(options, 'mqttsn', 0, rate, id) });
      steps.push({ scenario, variant: 'tcp-qos0', job: (id) => faninJob(options, 'tcp', 0, rate, id) });
      steps.push({ scenario, variant: 'mqttsn-qos1', job: (id) => faninJob(options, 'mqttsn', 1, rate, id) });
    } else {
      steps.push({
        scenario,
        variant: 'mqttsn',
        job: (id) => ({
          kind: 'connect',
          udpPort: 0,
          clients: options.clients,
          forwarders: options.forwarders,
          inFlight: options.connectInFlight,
          keepAliveSeconds: 3600,
          idPrefix: id,
          deadlineMs: options.timeout * 1000,
        }),
      });
    }
  }
  return steps;
}

async function runAll(options: Options): Promise<Recorded[]> {
  const records: Recorded[] = [];
  const steps = plan(options);
  for (let run = 1; run <= options.runs; run++) {
    // Alternate which front end goes first, so a drift over time does not favour one of them.
    const ordered = run % 2 === 1 ? steps : [...steps].reverse();
    for (const step of ordered) {
      const label = `${step.scenario}/${step.variant} run ${run}`;
      process.stderr.write(`bench: ${label} …\n`);
      const id = `b${run}${step.variant.replaceAll('-', '')}-`;
      try {
        const measurement = await measure(step.job(id), label, options.timeout + 60);
        records.push({ scenario: step.scenario, variant: step.variant, run, measurement, error: null });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`bench: ${label} failed: ${message}\n`);
        records.push({
          scenario: step.scenario,
          variant: step.variant,
          run,
          measurement: null,
          error: message,
        });
      }
    }
  }
  return records;
}

// ---- figures -----------------------------------------------------------------------------------

function of(records: Recorded[], scenario: ScenarioName, variant: string): Measurement[] {
  return records.flatMap((r) =>
    r.scenario === scenario && r.variant === variant && r.measurement !== null ? [r.measurement] : [],
  );
}

function throughput(m: Measurement): number | null {
  return m.result.kind === 'fanin' && m.windowSeconds > 0 ? m.result.received / m.windowSeconds : null;
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

function faninFigure(records: Recorded[], scenario: 'fanin-qos0' | 'fanin-qos1', sensors: number): Figure {
  const sn = of(records, scenario, 'mqttsn');
  const tcp = of(records, scenario, 'tcp');
  const value = median(sn.map(throughput));
  const reference = median(tcp.map(throughput));
  const ratio = value !== null && reference !== null && reference > 0 ? value / reference : null;
  return {
    label: `${scenario === 'fanin-qos0' ? 'QoS 0' : 'QoS 1'} fan-in, ${sensors} publishers → 1 TCP subscriber`,
    unit: 'msg/s',
    value,
    reference,
    target: 'ratio ≥ 0.7',
    meetsTarget: ratio === null ? null : ratio >= 0.7,
    gatewayCpu: median(sn.map((m) => m.gatewayCpu)),
    generatorCpu: median(sn.map((m) => m.generatorCpu)),
    notes: [...faninNotes(sn).map((n) => `MQTT-SN: ${n}`), ...faninNotes(tcp).map((n) => `TCP: ${n}`)],
  };
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
  ];
}

function figures(records: Recorded[], options: Options): Figure[] {
  const out: Figure[] = [];
  for (const scenario of options.scenario) {
    if (scenario === 'fanin-qos0' || scenario === 'fanin-qos1')
      out.push(faninFigure(records, scenario, options.sensors));
    else if (scenario === 'latency') out.push(...latencyFigures(records, options.rate));
    else out.push(...clientFigures(records, options.clients));
  }
  return out;
}

async function main(): Promise<void> {
  installExitHandlers();
  const options = parseOptions(process.argv);
  const startedAt = new Date();
  const records = await runAll(options);
  const table = figures(records, options);
  process.stdout.write(`\nMQTT-SN gateway benchmark (${cpus().length} cores, node ${process.version})\n\n`);
  process.stdout.write(`${formatTable(table)}\n`);
  for (const failed of records.filter((r) => r.error !== null)) {
    process.stdout.write(`failed: ${failed.scenario}/${failed.variant} run ${failed.run}: ${failed.error}\n`);
  }
  const file =
    options.json ??
    join(REPOSITORY, 'bench/results', `mqttsn-${startedAt.toISOString().replaceAll(':', '-')}.json`);
  mkdirSync(join(file, '..'), { recursive: true });
  const environment = { cores: cpus().length, memoryBytes: totalmem(), node: process.version, startedAt };
  writeFileSync(file, `${JSON.stringify({ environment, options, figures: table, records }, null, 2)}\n`);
  process.stdout.write(`\nresults: ${file}\n`);
}

main().then(
  () => {
    killAllChildren();
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    killAllChildren();
    process.exit(1);
  },
);
