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
 *
 * `--load firmware-sim` drives the fan-in and latency scenarios with firmware-sim's sensors (full
 * MQTT-SN clients, bench/mqttsn/firmware-sim-load.ts) instead of the raw-socket generator:
 *
 *   node dist/bench/mqttsn.js --load firmware-sim --scenario fanin-qos1 --sensors 1000 --messages 50000
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { installExitHandlers, killAllChildren } from './cleanup.js';
import { positiveInt, resultsFile } from './common/cli.js';
import { figures, type Recorded } from './mqttsn/figures.js';
import {
  type FirmwareSimFigures,
  formatFirmwareSimTable,
  runFirmwareSimLoad,
} from './mqttsn/firmware-sim-load.js';
import { REPOSITORY } from './mqttsn/gateway.js';
import { measure } from './mqttsn/measure.js';
import { LOADS, type Options, plan, SCENARIOS, type ScenarioName } from './mqttsn/plan.js';
import { formatTable } from './mqttsn/report.js';
import { MAX_PAYLOAD, MIN_PAYLOAD } from './mqttsn/sn-wire.js';

function payloadSize(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < MIN_PAYLOAD || value > MAX_PAYLOAD) {
    throw new InvalidArgumentError(
      `expected ${MIN_PAYLOAD}..${MAX_PAYLOAD} (stamps; 1-octet MQTT-SN length form)`,
    );
  }
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
    .option('--messages <n>', 'messages per fan-in run', positiveInt, 300_000)
    .option('--window <n>', 'QoS 0 fan-in: messages sent and not yet received, at most', positiveInt, 4000)
    .option('--payload <bytes>', 'payload size (16..200: send time, publisher, sequence)', payloadSize, 32)
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
    .option('--json <file>', 'where to write the results (default bench/results/mqttsn-<time>.json)')
    .addOption(
      new Option('--load <kind>', 'who makes the load: the raw-socket generator, or firmware-sim sensors')
        .choices(LOADS)
        .default('generator'),
    );
  program.parse(argv);
  return program.opts<Options>();
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
        const measurements = await measure(step.jobs(id), label, options.timeout + 60);
        records.push({
          scenario: step.scenario,
          variant: step.variant,
          run,
          measurement: measurements[0] ?? null,
          more: measurements.slice(1),
          error: null,
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`bench: ${label} failed: ${message}\n`);
        records.push({
          scenario: step.scenario,
          variant: step.variant,
          run,
          measurement: null,
          more: [],
          error: message,
        });
      }
    }
  }
  return records;
}

/** The fan-in and latency scenarios with firmware-sim as the load (the clients scenario has none). */
async function runWithFirmwareSim(options: Options): Promise<void> {
  const rows: FirmwareSimFigures[] = [];
  for (let run = 1; run <= options.runs; run++) {
    for (const scenario of options.scenario) {
      if (scenario === 'clients') {
        process.stderr.write('bench: clients has no firmware-sim load (use the generator); skipped\n');
        continue;
      }
      process.stderr.write(`bench: ${scenario}/firmware-sim run ${run} …\n`);
      rows.push(await runFirmwareSimLoad(options, scenario, run));
    }
  }
  process.stdout.write(
    `\nMQTT-SN gateway with firmware-sim as the load (${cpus().length} cores, node ${process.version})\n\n`,
  );
  process.stdout.write(`${formatFirmwareSimTable(rows)}\n`);
  const file = options.json ?? resultsFile(REPOSITORY, 'mqttsn-firmware-sim');
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ options, rows }, null, 2)}\n`);
  process.stdout.write(`\nresults: ${file}\n`);
}

async function main(): Promise<void> {
  installExitHandlers();
  const options = parseOptions(process.argv);
  if (options.load === 'firmware-sim') {
    await runWithFirmwareSim(options);
    return;
  }
  const startedAt = new Date();
  // Other work on the machine takes CPU from both the gateway and the generator: say so beside the figures.
  const loadBefore = loadavg()[0] ?? 0;
  const records = await runAll(options);
  const loadAfter = loadavg()[0] ?? 0;
  const table = figures(records, options);
  process.stdout.write(
    `\nMQTT-SN gateway benchmark (${cpus().length} cores, node ${process.version}, ${options.runs} run(s), ` +
      `load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after)\n\n`,
  );
  process.stdout.write(`${formatTable(table)}\n`);
  if (Math.max(loadBefore, loadAfter) > cpus().length) {
    process.stdout.write(
      '\nwarning: other work was running on this machine; the figures drift more than usual.\n',
    );
  }
  for (const failed of records.filter((r) => r.error !== null)) {
    process.stdout.write(`failed: ${failed.scenario}/${failed.variant} run ${failed.run}: ${failed.error}\n`);
  }
  const file = options.json ?? resultsFile(REPOSITORY, 'mqttsn', startedAt);
  mkdirSync(join(file, '..'), { recursive: true });
  const environment = {
    cores: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    startedAt,
    loadAverage: { before: loadBefore, after: loadAfter },
  };
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
