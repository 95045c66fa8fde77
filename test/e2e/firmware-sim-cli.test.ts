/**
 * Issue 6 "Build", the command line: every option of `firmware-sim` (bin/firmware-sim.js, the built
 * CLI) run against the real app over UDP, each checked against what an MQTT subscriber received and
 * against the `--json` summary (sent, acknowledged, retried, lost, duplicates, latency p50/p99,
 * energy). The serial options (`--serial DEV --framing …`) are in firmware-sim-serial.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../firmware-sim/index.js';
import { type RunningApp, startGateway } from '../../src/app.js';
import { parseGatewayConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observe/logger.js';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(repository, 'bin/firmware-sim.js');

let dir = '';
let app: RunningApp;
let gateway = '';
let mqttPort = 0;

beforeAll(async () => {
  if (!existsSync(join(repository, 'dist/firmware-sim/cli.js'))) {
    throw new Error('dist/firmware-sim/cli.js is missing: run `npm run build` first');
  }
  dir = mkdtempSync(join(tmpdir(), 'firmware-sim-cli-'));
  writeFileSync(join(dir, 'predefined.conf'), '*, cli/predefined, 21\n');
  const config = parseGatewayConfig(
    [
      'listener 0 127.0.0.1',
      'mqttsn_udp 0 127.0.0.1',
      'persistence false',
      'sys_interval 0',
      'advertise_interval 0',
      't_retry 0.3',
      'n_retry 6',
      'predefined_topics predefined.conf',
    ].join('\n'),
    { file: 'firmware-sim-cli.conf', baseDir: dir },
  );
  app = await startGateway(config, silentLogger);
  mqttPort = app.mqttPorts[0]!;
  gateway = `127.0.0.1:${app.mqttsnPorts[0]}`;
}, 20_000);

afterAll(async () => {
  await app?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

interface Seen {
  topic: string;
  payload: string;
}

async function watch(filter: string): Promise<{ client: MqttClient; seen: Seen[] }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0, clean: true });
  const seen: Seen[] = [];
  client.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  await client.subscribeAsync(filter, { qos: 2 });
  return { client, seen };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

/** Options every run shares: quick readings, no battery topic, a JSON summary, no progress. */
const QUICK = [
  '--interval',
  '0.05',
  '--ramp',
  '0.1',
  '--battery-every',
  '0',
  '--t-retry',
  '0.3',
  '--json',
  '--quiet',
];

/** Runs the CLI to its end (SIGKILL after 20 s: a hang fails the test) and parses its summary. */
async function sim(args: string[]): Promise<Summary> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((ok) => child.on('exit', ok));
  clearTimeout(timer);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as Summary;
}

/** "clientId#seq" of each reading, from a topic whose second level is the ClientId. */
function keys(seen: readonly Seen[]): string[] {
  return seen.map((m) => `${m.topic.split('/')[1]}#${(JSON.parse(m.payload) as { seq: number }).seq}`);
}

describe('firmware-sim command line against the gateway', () => {
  it('--topic template, --qos 2, --sensors, --count, --source-addresses: the summary matches the subscriber', async () => {
    const sub = await watch('cli/+/t');
    try {
      const summary = await sim([
        ...['--udp', gateway, '--topic', 'cli/{id}/t', '--qos', '2', '--sensors', '3', '--count', '4'],
        ...['--source-addresses', '3', '--id-prefix', 'tpl-', ...QUICK],
      ]);
      expect(summary.totals).toMatchObject({
        sent: 12,
        acknowledged: 12,
        lost: 0,
        duplicates: 0,
        rejected: 0,
      });
      await until(() => sub.seen.length >= 12, '12 readings');
      const got = keys(sub.seen);
      expect(new Set(got).size).toBe(got.length);
      expect(got.sort()).toEqual(
        ['tpl-1', 'tpl-2', 'tpl-3'].flatMap((id) => [1, 2, 3, 4].map((n) => `${id}#${n}`)),
      );
      // Latency: one sample per acknowledged reading; energy: spent, and per delivered message.
      expect(summary.latency?.samples).toBe(12);
      expect(summary.latency!.p50Ms).toBeLessThanOrEqual(summary.latency!.p99Ms);
      expect(summary.energyJ).toBeGreaterThan(0);
      expect(summary.groups).toHaveLength(1);
      expect(summary.groups[0]).toMatchObject({ qos: 2, sensors: 3, delivered: 12 });
      expect(summary.groups[0]!.energyPerDeliveredMj).toBeGreaterThan(0);
    } finally {
      await sub.client.endAsync();
    }
  });

  it('--short: readings on a 2-character short topic name (§6.7)', async () => {
    const sub = await watch('zq');
    try {
      const summary = await sim([
        '--udp',
        gateway,
        '--short',
        'zq',
        '--qos',
        '1',
        '--sensors',
        '2',
        '--count',
        '3',
        ...QUICK,
      ]);
      expect(summary.totals).toMatchObject({ sent: 6, acknowledged: 6, lost: 0 });
      await until(() => sub.seen.length >= 6, '6 readings on zq');
      expect(sub.seen).toHaveLength(6);
    } finally {
      await sub.client.endAsync();
    }
  });

  it('--predefined with --qos -1: no connection, readings on the predefined topic (§6.8)', async () => {
    const sub = await watch('cli/predefined');
    try {
      const summary = await sim([
        '--udp',
        gateway,
        '--predefined',
        '21',
        '--qos',
        '-1',
        '--sensors',
        '2',
        '--count',
        '3',
        ...QUICK,
      ]);
      expect(summary.totals).toMatchObject({ sent: 6, connects: 0 });
      await until(() => sub.seen.length >= 6, '6 readings on the predefined topic');
    } finally {
      await sub.client.endAsync();
    }
  });

  it('--discover: the gateway found with SEARCHGW (§6.1)', async () => {
    const summary = await sim([
      '--udp',
      gateway,
      '--discover',
      '--qos',
      '1',
      '--count',
      '2',
      '--id-prefix',
      'disc-',
      ...QUICK,
    ]);
    expect(summary.totals).toMatchObject({ sent: 2, acknowledged: 2, connects: 1 });
  });

  it('--seed with --loss: the same seed gives the same counters, losses and readings', async () => {
    const run = async (prefix: string) => {
      const sub = await watch('cli/+/t');
      try {
        const summary = await sim([
          ...['--udp', gateway, '--topic', 'cli/{id}/t', '--qos', '0', '--sensors', '4', '--count', '5'],
          ...['--loss', '30', '--seed', '1234', '--id-prefix', prefix, ...QUICK],
        ]);
        await new Promise((ok) => setTimeout(ok, 300)); // the last QoS 0 readings in flight
        const readings = sub.seen
          .filter((m) => m.topic.includes(`/${prefix}`))
          .map((m) => `${m.topic.split('/')[1]!.slice(prefix.length)} ${m.payload.replace(/"v":[\d.]+/, '')}`)
          .sort();
        return { totals: summary.totals, dropped: summary.network.droppedByLoss, readings };
      } finally {
        await sub.client.endAsync();
      }
    };
    const first = await run('seed-a-');
    expect(first.dropped).toBeGreaterThan(0);
    expect(first.readings.length).toBeLessThan(20); // some readings were lost on the radio
    expect(await run('seed-b-')).toEqual(first);
  });

  it('--scenario: a mixed fleet, one summary group per QoS and sleep setting', async () => {
    const scenario = join(dir, 'mixed.json');
    writeFileSync(
      scenario,
      JSON.stringify([
        { sensors: 2, idPrefix: 'mix-a-', qos: 0, count: 2 },
        { sensors: 3, idPrefix: 'mix-b-', qos: 2, count: 2 },
      ]),
    );
    const sub = await watch('sensors/+/temperature');
    try {
      const summary = await sim(['--udp', gateway, '--scenario', scenario, ...QUICK]);
      expect(summary.sensors).toBe(5);
      expect(summary.groups.map((g) => [g.qos, g.sensors])).toEqual([
        [0, 2],
        [2, 3],
      ]);
      await until(() => keys(sub.seen).filter((k) => k.startsWith('mix-')).length >= 10, 'the mixed fleet');
    } finally {
      await sub.client.endAsync();
    }
  });

  it('--duration: runs that long without --count, then stops every sensor', async () => {
    const summary = await sim([
      '--udp',
      gateway,
      '--duration',
      '1',
      '--sensors',
      '2',
      '--id-prefix',
      'dur-',
      ...QUICK,
    ]);
    expect(summary.totals.sent).toBeGreaterThan(2);
    expect(summary.states).toEqual({ stopped: 2 });
  });

  it('--sleep: sensors sleep and wake between reports (§6.14), nothing lost', async () => {
    const summary = await sim([
      ...[
        '--udp',
        gateway,
        '--sleep',
        '1',
        '--qos',
        '1',
        '--count',
        '2',
        '--sensors',
        '2',
        '--interval',
        '0.3',
      ],
      ...[
        '--id-prefix',
        'slp-',
        '--ramp',
        '0.1',
        '--battery-every',
        '0',
        '--t-retry',
        '0.3',
        '--json',
        '--quiet',
      ],
    ]);
    expect(summary.totals).toMatchObject({ sent: 4, acknowledged: 4, lost: 0 });
    expect(summary.totals.sleeps).toBeGreaterThanOrEqual(2);
    expect(summary.groups[0]?.sleepSeconds).toBe(1);
  });

  it('--no-clean keeps the subscription across runs (a command queued meanwhile arrives); --clean does not', async () => {
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0 });
    try {
      const base = [
        '--udp',
        gateway,
        '--qos',
        '1',
        '--duration',
        '1.5',
        '--interval',
        '60',
        '--id-prefix',
        'nc-',
      ];
      const rest = ['--ramp', '0', '--battery-every', '0', '--json', '--quiet'];
      await sim([...base, '--no-clean', ...rest]);
      await publisher.publishAsync('sensors/nc-1/cmd', 'interval=30', { qos: 1 });
      const kept = await sim([...base, '--no-clean', ...rest]);
      expect(kept.totals).toMatchObject({ received: 1, commands: 1 });
      await publisher.publishAsync('sensors/nc-1/cmd', 'interval=30', { qos: 1 });
      const fresh = await sim([...base, '--clean', ...rest]);
      expect(fresh.totals).toMatchObject({ received: 0, commands: 0 });
    } finally {
      await publisher.endAsync();
    }
  });

  it('--will with --keepalive: killed, the sensor’s will is published when its keep-alive runs out', async () => {
    const sub = await watch('sensors/will-1/status');
    const child = spawn(
      process.execPath,
      [
        cli,
        '--udp',
        gateway,
        '--will',
        '--keepalive',
        '1',
        '--interval',
        '60',
        '--id-prefix',
        'will-',
        '--quiet',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      const statusSeen = (): boolean => sub.seen.some((m) => m.payload === 'offline');
      // Connected: its first reading arrives (CONNECT with will done).
      const readings = await watch('sensors/will-1/temperature');
      await until(() => readings.seen.length >= 1, 'the first reading');
      await readings.client.endAsync();
      expect(statusSeen()).toBe(false);
      child.kill('SIGKILL');
      await until(statusSeen, 'the will on sensors/will-1/status');
    } finally {
      child.kill('SIGKILL');
      await sub.client.endAsync();
    }
  });
});
