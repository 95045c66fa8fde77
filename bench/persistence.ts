/**
 * The cost of durability (issue 3): QoS 1 fan-in with persistence off and on (SQLite, sync normal
 * and full), and mosquitto with `persistence true`, side by side, medians of N runs, as ratios.
 *
 *   npm run build && node dist/bench/persistence.js [--runs 3] [--messages 50000] [--publishers 10]
 *
 * Two loads, both with the raw-socket load generator of bench/ (worker processes):
 *  - connected: N publishers → 1 connected subscriber (clean session) — the `fanin-qos1` scenario.
 *    Durability here is the PUBACK waiting for the group commit.
 *  - offline:   N publishers → 1 persistent subscriber that is offline, so every message is queued
 *    for it: each one is a message row and a queue row written before its PUBACK. Measured as
 *    PUBACKs per second; the subscriber then reconnects and must receive them all.
 *
 * `--store-only` measures the SQLite store alone, without sockets (steadier on a busy machine):
 * N messages queued for one offline session, 300 per event-loop turn, one flush per message, as
 * the broker does; it prints the process CPU per queued message.
 *
 * mosquitto's `persistence true` saves its in-memory state every `autosave_interval` (30 min by
 * default) and at shutdown — not before each PUBACK — so a crash loses what came since; ours writes
 * before acknowledging. The comparison is of throughput, not of guarantees.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import mqtt from 'mqtt';
import { createSqliteStore } from '../src/store/sqlite.js';
import { installExitHandlers } from './cleanup.js';
import { oursCommand } from './common/ours-command.js';
import type { Job } from './protocol.js';
import { cpuShare, describe, runGenerators, split } from './scenarios/harness.js';
import { SCENARIOS } from './scenarios/index.js';
import type { LoadOptions, ScenarioContext } from './scenarios/types.js';
import {
  mosquittoTarget,
  OURS_DEFAULT_CONFIG,
  oursTarget,
  RunningBroker,
  type TargetSpec,
} from './targets.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OURS_COMMAND = oursCommand('bin/mqttsn-gateway.js', '-c {conf}');

interface Target {
  key: TargetKey;
  label: string;
  spec: TargetSpec;
}

interface Figures {
  rate: number | null;
  generatorCpu: number | null;
  brokerCpu: number | null;
  note: string;
}

const LOADS = ['connected', 'offline'] as const;
type LoadName = (typeof LOADS)[number];
/** Short names of the targets, in the order of targets(). */
const TARGET_KEYS = ['off', 'normal', 'full', 'mosquitto'] as const;
type TargetKey = (typeof TARGET_KEYS)[number];
/** Issue 3: durability costs at most 30% of throughput. */
const TARGET_RATIO = 0.7;

/** Commander parser of a comma-separated subset of `allowed`. */
function listOf<T extends string>(allowed: readonly T[]): (text: string) => T[] {
  return (text) => {
    const names = text.split(',').map((name) => name.trim());
    const unknown = names.filter((name) => !(allowed as readonly string[]).includes(name));
    if (unknown.length > 0 || names.length === 0)
      throw new InvalidArgumentError(`expected some of ${allowed.join(',')}; unknown: ${unknown.join(',')}`);
    return names as T[];
  };
}

function positiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('expected a positive integer');
  return value;
}

function targets(mosquittoBinary: string, mosquittoData: string): Target[] {
  const persistent = (sync: string) =>
    OURS_DEFAULT_CONFIG.replace(
      'persistence false',
      `persistence true\npersistence_location ./data\npersistence_sync ${sync}`,
    );
  const mosquitto = mosquittoTarget(mosquittoBinary);
  return [
    { key: 'off', label: 'ours, persistence off', spec: oursTarget(OURS_COMMAND, OURS_DEFAULT_CONFIG) },
    {
      key: 'normal',
      label: 'ours, persistence on (normal)',
      spec: oursTarget(OURS_COMMAND, persistent('normal')),
    },
    { key: 'full', label: 'ours, persistence on (full)', spec: oursTarget(OURS_COMMAND, persistent('full')) },
    {
      key: 'mosquitto',
      label: 'mosquitto, persistence true',
      spec: {
        ...mosquitto,
        config: (port, tuning) =>
          mosquitto
            .config(port, tuning)
            .replace('persistence false', `persistence true\npersistence_location ${mosquittoData}/`),
      },
    },
  ];
}

async function connectedLoad(context: ScenarioContext): Promise<Figures> {
  const outcome = await SCENARIOS['fanin-qos1'].run(context);
  return {
    rate: outcome.metrics.msgs_per_s ?? null,
    generatorCpu: outcome.generatorCpu,
    brokerCpu: outcome.brokerCpu,
    note: outcome.notes.join('; '),
  };
}

/** Create (or drain) the persistent subscriber's session with MQTT.js; returns messages received. */
async function persistentSubscriber(
  port: number,
  clientId: string,
  drainMs: number,
  expected = 0,
): Promise<number> {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  // Counting starts before CONNACK: queued messages arrive right behind it, in the same read.
  let received = 0;
  client.on('message', () => {
    received += 1;
  });
  await new Promise<void>((ok, fail) => {
    client.once('connect', () => ok());
    client.once('error', fail);
  });
  if (expected === 0) await client.subscribeAsync('bench/fanin/+', { qos: 1 });
  const deadline = Date.now() + drainMs;
  while (received < expected && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
  await client.endAsync();
  return received;
}

async function offlineLoad(context: ScenarioContext): Promise<Figures> {
  const { load, broker } = context;
  const subscriberId = `${context.idPrefix}persistent-sub`;
  await persistentSubscriber(broker.port, subscriberId, 0);
  const perPublisher = Math.ceil(load.faninMessages / load.publishers);
  let firstIndex = 0;
  const jobs: Job[] = split(load.publishers, load.generatorProcesses)
    .filter((clients) => clients > 0)
    .map((clients) => {
      const job: Job = {
        kind: 'publish',
        port: broker.port,
        clients,
        firstIndex,
        clientIdPrefix: `${context.idPrefix}pub`,
        topic: 'bench/fanin',
        topicPerClient: true,
        qos: 1,
        messagesPerClient: perPublisher,
        payloadSize: load.payloadSize,
        window: load.window,
        batch: 64,
        deadlineMs: load.timeoutSeconds * 1000,
      };
      firstIndex += clients;
      return job;
    });
  const run = await runGenerators(context, jobs);
  let acked = 0;
  let startNs = Number.POSITIVE_INFINITY;
  let endNs = 0;
  for (const { result } of run.measured) {
    if (result.kind !== 'publish') continue;
    acked += result.acked;
    startNs = Math.min(startNs, result.startNs);
    endNs = Math.max(endNs, result.endNs);
  }
  const expected = perPublisher * load.publishers;
  const notes = [...run.failures];
  if (acked < expected) notes.push(`${acked} of ${expected} acknowledged`);
  const delivered = await persistentSubscriber(broker.port, subscriberId, 30_000, acked);
  if (delivered < acked) notes.push(`offline subscriber got ${delivered} of ${acked} acknowledged`);
  const measurable = acked > 0 && endNs > startNs;
  return {
    rate: measurable ? acked / ((endNs - startNs) / 1e9) : null,
    generatorCpu: measurable ? cpuShare(run.generatorCpuSeconds, startNs, endNs) : null,
    brokerCpu: measurable ? cpuShare(run.sampler.secondsBetween(startNs, endNs), startNs, endNs) : null,
    note: notes.join('; '),
  };
}

async function measure(target: Target, loadName: LoadName, load: LoadOptions, run: number): Promise<Figures> {
  const scenario = SCENARIOS['fanin-qos1'];
  let broker: RunningBroker | null = null;
  try {
    broker = await RunningBroker.start(
      target.spec,
      scenario.tuning(load),
      load.timeoutSeconds * 2 + 90,
      REPO_ROOT,
    );
    const context: ScenarioContext = { broker, load, idPrefix: `persist${run}-` };
    return loadName === 'connected' ? await connectedLoad(context) : await offlineLoad(context);
  } catch (error) {
    return { rate: null, generatorCpu: null, brokerCpu: null, note: `FAILED ${describe(error)}` };
  } finally {
    await broker?.stop();
  }
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function percent(share: number | null): string {
  return share === null ? '?' : `${Math.round(share * 100)}%`;
}

/** The store alone: queue `total` messages for one offline session, `perTurn` per turn. */
async function storeOnly(total: number, perTurn: number): Promise<void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'bench-store-'));
  const store = createSqliteStore({ directory, sync: 'normal' });
  try {
    store.load();
    const payload = Buffer.alloc(64, 7);
    const startNs = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    let id = 0;
    while (id < total) {
      const turn: Promise<void>[] = [];
      for (let i = 0; i < perTurn && id < total; i += 1) {
        id += 1;
        store.saveMessage({ id, topic: `bench/fanin/${id % 10}`, payload, qos: 1, retain: false });
        store.saveOutgoing({
          clientId: 'offline-sub',
          seq: id,
          messageId: id,
          qos: 1,
          retain: false,
          state: 'queued',
        });
        turn.push(new Promise((ok, fail) => store.flush((error) => (error ? fail(error) : ok()))));
      }
      await Promise.all(turn);
    }
    const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
    const cpu = process.cpuUsage(startCpu);
    const cpuUs = (cpu.user + cpu.system) / total;
    console.log(
      `store only: ${total} messages queued, ${perTurn} per turn: ${Math.round(total / seconds)} msg/s, ` +
        `${cpuUs.toFixed(2)} µs CPU per message, ${store.transactionCount} transactions`,
    );
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  installExitHandlers();
  const cli = new Command('bench-persistence')
    .description('QoS 1 fan-in with persistence off/on and against mosquitto with persistence true')
    .option('-r, --runs <n>', 'runs per load and target (the median is reported)', positiveInt, 3)
    .option('--messages <n>', 'messages in total per run', positiveInt, 50_000)
    .option('--publishers <n>', 'publishers', positiveInt, 10)
    .option('--window <n>', 'un-acked messages per publisher', positiveInt, 100)
    .option('--mosquitto <path>', 'mosquitto binary', '/usr/sbin/mosquitto')
    .option('--timeout <seconds>', 'each run stops itself after this long', positiveInt, 60)
    .option('--store-only', 'measure the SQLite store alone (no broker, no sockets)', false)
    .option('--loads <names>', 'comma-separated: connected,offline', listOf(LOADS), [...LOADS])
    .option('--targets <labels>', 'comma-separated: off,normal,full,mosquitto', listOf(TARGET_KEYS), [
      ...TARGET_KEYS,
    ])
    .parse(process.argv)
    .opts<{
      runs: number;
      messages: number;
      publishers: number;
      window: number;
      mosquitto: string;
      timeout: number;
      loads: LoadName[];
      targets: TargetKey[];
      storeOnly: boolean;
    }>();
  if (cli.storeOnly) {
    for (let run = 1; run <= cli.runs; run += 1) await storeOnly(cli.messages, 300);
    return;
  }
  const load: LoadOptions = {
    timeoutSeconds: cli.timeout,
    generatorProcesses: 2,
    payloadSize: 64,
    faninMessages: cli.messages,
    publishers: cli.publishers,
    window: cli.window,
    subscribers: 1,
    fanoutMessages: 1,
    rate: 1,
    latencySeconds: 1,
    warmupSeconds: 1,
    connections: 1,
    connectConcurrency: 1,
  };
  const mosquittoData = mkdtempSync(path.join(tmpdir(), 'bench-mosquitto-data-'));
  const results = new Map<string, number | null>();
  try {
    for (const loadName of cli.loads) {
      for (const target of targets(cli.mosquitto, mosquittoData).filter((t) => cli.targets.includes(t.key))) {
        const rates: number[] = [];
        for (let run = 1; run <= cli.runs; run += 1) {
          const figures = await measure(target, loadName, load, run);
          if (figures.rate !== null) rates.push(figures.rate);
          console.log(
            `${loadName} | ${target.label} | run ${run}/${cli.runs}: ${figures.rate === null ? 'n/a' : Math.round(figures.rate)} msg/s` +
              ` (generator CPU ${percent(figures.generatorCpu)}, broker CPU ${percent(figures.brokerCpu)})` +
              (figures.note ? ` — ${figures.note}` : ''),
          );
        }
        results.set(`${loadName}|${target.label}`, median(rates));
      }
    }
  } finally {
    rmSync(mosquittoData, { recursive: true, force: true });
  }
  printSummary(results, cli);
}

function printSummary(
  results: Map<string, number | null>,
  cli: { messages: number; publishers: number; window: number; runs: number; loads: LoadName[] },
): void {
  const labels = targets('', '').map((t) => t.label);
  console.log(
    `\nQoS 1 fan-in, ${cli.publishers} publishers, ${cli.messages} messages, window ${cli.window}, median of ${cli.runs} (msg/s):`,
  );
  console.log(['load', ...labels, 'on(normal)/off', 'on(full)/off', 'on(normal)/mosquitto'].join(' | '));
  for (const loadName of cli.loads) {
    const value = (label: string) => results.get(`${loadName}|${label}`) ?? null;
    const ratio = (a: number | null, b: number | null) =>
      a === null || b === null ? 'n/a' : (a / b).toFixed(2);
    const [off, normal, full, mosquitto] = labels.map(value);
    console.log(
      [
        loadName,
        ...labels.map((label) => String(Math.round(value(label) ?? Number.NaN))),
        ratio(normal ?? null, off ?? null),
        ratio(full ?? null, off ?? null),
        ratio(normal ?? null, mosquitto ?? null),
      ].join(' | '),
    );
  }
  for (const loadName of cli.loads) {
    const off = results.get(`${loadName}|${labels[0]}`) ?? null;
    const on = results.get(`${loadName}|${labels[1]}`) ?? null;
    if (off === null || on === null) continue;
    const ratio = on / off;
    console.log(
      `${loadName}: on(normal)/off = ${ratio.toFixed(2)} against the issue 3 target ${TARGET_RATIO.toFixed(2)}` +
        ` (durability costs at most 30% of throughput): ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`,
    );
  }
}

await main();
