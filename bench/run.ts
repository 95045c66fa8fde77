/**
 * Broker benchmark: the same load against this project's broker and against a mosquitto started here,
 * side by side, medians of N runs, printed as ratios (see bench/README.md).
 *
 *   npm run bench -- --scenario fanin-qos0 --runs 1
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { installExitHandlers } from './cleanup.js';
import { positiveInt, resultsFile } from './common/cli.js';
import { oursCommand } from './common/ours-command.js';
import { type MetricSummary, type RunRecord, renderNotes, renderTable, summarise } from './report.js';
import { describe } from './scenarios/harness.js';
import { SCENARIOS } from './scenarios/index.js';
import {
  type LoadOptions,
  SCENARIO_NAMES,
  type ScenarioName,
  type ScenarioOutcome,
} from './scenarios/types.js';
import {
  mosquittoTarget,
  OURS_DEFAULT_CONFIG,
  oursTarget,
  RunningBroker,
  type TargetName,
  type TargetSpec,
} from './targets.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OURS_DEFAULT_COMMAND = oursCommand('bin/mqttsn-gateway.js', '-c {conf} -p {port}');

interface CliOptions {
  readonly scenario: string[];
  readonly target: 'ours' | 'mosquitto' | 'both';
  readonly oursCmd: string;
  readonly oursConfig?: string;
  readonly mosquitto: string;
  readonly runs: number;
  readonly timeout: number;
  readonly messages: number;
  readonly publishers: number;
  readonly window: number;
  readonly subscribers: number;
  readonly fanoutMessages: number;
  readonly payload: number;
  readonly rate: number;
  readonly duration: number;
  readonly warmup: number;
  readonly connections: number;
  readonly connectConcurrency: number;
  readonly genProcs: number;
  readonly json?: string;
  pinBrokers?: string;
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('expected a positive number');
  return value;
}

function collectScenarios(text: string, previous: string[]): string[] {
  const names = text.split(',').map((s) => s.trim());
  for (const name of names) {
    if (name !== 'all' && !SCENARIO_NAMES.includes(name as ScenarioName)) {
      throw new InvalidArgumentError(
        `unknown scenario '${name}' (one of: all, ${SCENARIO_NAMES.join(', ')})`,
      );
    }
  }
  return [...previous, ...names];
}

function parseCli(argv: readonly string[]): CliOptions {
  const program = new Command('bench')
    .description('MQTT broker benchmark: this broker vs mosquitto, same load, side by side')
    .option(
      '-s, --scenario <names>',
      `comma-separated or repeated: all, ${SCENARIO_NAMES.join(', ')}`,
      collectScenarios,
      [],
    )
    .option('-t, --target <which>', 'ours | mosquitto | both', 'both')
    .option(
      '--ours-cmd <command>',
      'command that execs our broker; {port} and {conf} are replaced',
      OURS_DEFAULT_COMMAND,
    )
    .option('--ours-config <file>', 'template for our gateway.conf; {port} and {queue} are replaced')
    .option('--mosquitto <path>', 'mosquitto binary', '/usr/sbin/mosquitto')
    .option('-r, --runs <n>', 'runs per scenario and broker (the median is reported)', positiveInt, 3)
    .option('--timeout <seconds>', 'each scenario run stops itself after this long', positiveNumber, 60)
    .option('--messages <n>', 'fan-in: messages in total', positiveInt, 100_000)
    .option('--publishers <n>', 'fan-in: publishers', positiveInt, 10)
    .option('--window <n>', 'fan-in QoS 1: un-acked messages per publisher', positiveInt, 100)
    .option('--subscribers <n>', 'fan-out: subscribers', positiveInt, 100)
    .option(
      '--fanout-messages <n>',
      'fan-out: messages published (each goes to every subscriber)',
      positiveInt,
      10_000,
    )
    .option(
      '--payload <bytes>',
      'payload size (at least 16: it carries a timestamp and sequence)',
      positiveInt,
      64,
    )
    .option('--rate <msg/s>', 'latency: steady publish rate', positiveInt, 20_000)
    .option('--duration <seconds>', 'latency: measured duration', positiveNumber, 5)
    .option('--warmup <seconds>', 'latency: discarded warm-up before measuring', positiveNumber, 1)
    .option('--connections <n>', 'idle-conns: connections', positiveInt, 10_000)
    .option(
      '--connect-concurrency <n>',
      'idle-conns: handshakes in flight (all generators)',
      positiveInt,
      100,
    )
    .option('--gen-procs <n>', 'load-generator processes per scenario', positiveInt, 2)
    .option('--json <file>', 'where to write the JSON results (default bench/results/<time>.json)')
    .option(
      '--pin-brokers <cpu>',
      'run both brokers on this CPU only (taskset), away from the load generator: on 2 cores the OS otherwise ' +
        "moves a Node broker onto the generator's busy core, which shows as a millisecond latency tail",
    )
    .parse(argv, { from: 'user' });
  const options = program.opts<CliOptions>();
  if (!['ours', 'mosquitto', 'both'].includes(options.target))
    program.error(`--target must be ours, mosquitto or both`);
  return options;
}

function selectedScenarios(names: readonly string[]): ScenarioName[] {
  if (names.length === 0 || names.includes('all')) return [...SCENARIO_NAMES];
  return SCENARIO_NAMES.filter((name) => names.includes(name));
}

function loadOptions(cli: CliOptions): LoadOptions {
  return {
    timeoutSeconds: cli.timeout,
    generatorProcesses: cli.genProcs,
    payloadSize: Math.max(16, cli.payload),
    faninMessages: cli.messages,
    publishers: cli.publishers,
    window: cli.window,
    subscribers: cli.subscribers,
    fanoutMessages: cli.fanoutMessages,
    rate: cli.rate,
    latencySeconds: cli.duration,
    warmupSeconds: cli.warmup,
    connections: cli.connections,
    connectConcurrency: cli.connectConcurrency,
  };
}

function targetSpecs(cli: CliOptions): TargetSpec[] {
  const oursConfig =
    cli.oursConfig === undefined ? OURS_DEFAULT_CONFIG : readFileSync(cli.oursConfig, 'utf8').trim();
  const specs: TargetSpec[] = [];
  if (cli.target !== 'mosquitto') specs.push(oursTarget(cli.oursCmd, oursConfig));
  if (cli.target !== 'ours') specs.push(mosquittoTarget(cli.mosquitto));
  const cpu = cli.pinBrokers;
  // The same pinning for both: taskset execs the broker, so its pid stays the one measured.
  return cpu === undefined ? specs : specs.map((s) => ({ ...s, command: `taskset -c ${cpu} ${s.command}` }));
}

async function runOnce(
  scenarioName: ScenarioName,
  spec: TargetSpec,
  load: LoadOptions,
  run: number,
): Promise<RunRecord> {
  const scenario = SCENARIOS[scenarioName];
  // The broker's life is bounded even if this process dies: setup + the run + teardown.
  const lifetimeSeconds = Math.ceil(load.timeoutSeconds * 2 + 90);
  let broker: RunningBroker | null = null;
  try {
    broker = await RunningBroker.start(spec, scenario.tuning(load), lifetimeSeconds, REPO_ROOT);
    const outcome: ScenarioOutcome = await scenario.run({ broker, load, idPrefix: `bench${run}-` });
    return { scenario: scenarioName, target: spec.name, run, outcome, error: null };
  } catch (error) {
    return { scenario: scenarioName, target: spec.name, run, outcome: null, error: describe(error) };
  } finally {
    await broker?.stop();
  }
}

function progressLine(record: RunRecord, runs: number): string {
  const head = `${record.scenario} run ${record.run}/${runs} ${record.target}:`;
  if (record.outcome === null) return `${head} FAILED ${record.error ?? ''}`;
  const o = record.outcome;
  const figures = Object.entries(o.metrics)
    .map(([key, value]) => `${key}=${value === null ? 'n/a' : Math.round(value * 100) / 100}`)
    .join(' ');
  const cpu = (share: number | null): string => (share === null ? '?' : `${Math.round(share * 100)}%`);
  return `${head} ${figures} (generator CPU ${cpu(o.generatorCpu)}, broker CPU ${cpu(o.brokerCpu)})`;
}

function commandOutput(file: string, args: readonly string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch (error) {
    // `mosquitto -h` exits 3 after printing its version.
    const stdout = (error as { stdout?: unknown }).stdout;
    return typeof stdout === 'string' ? stdout.trim() : '';
  }
}

function environment(cli: CliOptions): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    mosquitto: commandOutput(cli.mosquitto, ['-h']).split('\n')[0] ?? '',
    commit: commandOutput('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD']),
  };
}

function writeJson(
  cli: CliOptions,
  records: readonly RunRecord[],
  summaries: readonly MetricSummary[],
): string {
  const file = cli.json ?? resultsFile(REPO_ROOT, 'bench');
  mkdirSync(path.dirname(file), { recursive: true });
  const body = {
    environment: environment(cli),
    options: cli,
    summary: summaries.map((s) => ({
      scenario: s.scenario,
      metric: s.metric.key,
      unit: s.metric.unit,
      ours: s.ours,
      mosquitto: s.mosquitto,
      ratio: s.ratio,
      target: s.metric.target,
      meetsTarget: s.meetsTarget,
      cpu: s.cpu,
    })),
    runs: records,
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

async function main(): Promise<void> {
  installExitHandlers();
  const cli = parseCli(process.argv.slice(2));
  const load = loadOptions(cli);
  const specs = targetSpecs(cli);
  const scenarios = selectedScenarios(cli.scenario);
  if (cli.target !== 'mosquitto' && !existsSync(path.join(REPO_ROOT, 'dist', 'src', 'cli', 'gateway.js'))) {
    process.stderr.write(
      'bench: dist/src/cli/gateway.js is missing (npm run build); our broker may not start\n',
    );
  }
  const records: RunRecord[] = [];
  for (const scenario of scenarios) {
    for (let run = 1; run <= cli.runs; run++) {
      // Alternate which broker goes first, so slow drift of the machine does not favour one of them.
      const order = run % 2 === 1 ? specs : [...specs].reverse();
      for (const spec of order) {
        const record = await runOnce(scenario, spec, load, run);
        records.push(record);
        process.stderr.write(`${progressLine(record, cli.runs)}\n`);
      }
    }
  }
  const summaries = scenarios.flatMap((name) => summarise(SCENARIOS[name], records));
  const targets = specs.map((s) => s.name as TargetName);
  process.stdout.write(`\n${renderTable(summaries, targets)}\n`);
  const notes = renderNotes(records);
  if (notes !== '') process.stdout.write(`\nNotes:\n${notes}\n`);
  process.stdout.write(`\nMedians of ${cli.runs} run(s); results in ${writeJson(cli, records, summaries)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
