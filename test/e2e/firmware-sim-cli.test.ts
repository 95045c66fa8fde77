/**
 * Issue 6 "Build", the command line: every option of `firmware-sim` (bin/firmware-sim.js, the built
 * CLI) run against the real app over UDP, each checked against what an MQTT subscriber received and
 * against the `--json` summary (sent, acknowledged, retried, lost, duplicates, latency p50/p99,
 * energy). The serial options (`--serial DEV --framing …`) are in firmware-sim-serial.test.ts.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../firmware-sim/index.js';
import {
  readingKeys,
  requireBuiltSimCli,
  runSimCli,
  SIM_CLI,
  simGatewayForFile,
  until,
  watch as watchOn,
} from '../helpers/firmware-sim.js';

beforeAll(requireBuiltSimCli);
const gw = simGatewayForFile('firmware-sim-cli', {
  files: { 'predefined.conf': '*, cli/predefined, 21\n' },
  lines: ['t_retry 0.3', 'n_retry 6', 'predefined_topics predefined.conf'],
});

const watch = (filter: string) => watchOn(gw.mqttPort, filter);

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

/** Runs the CLI against the gateway over UDP with `options`, then the QUICK ones. */
function simQuick(...options: string[]): Promise<Summary> {
  return runSimCli(['--udp', gw.udp, ...options, ...QUICK]);
}

describe('firmware-sim command line against the gateway', () => {
  it('--topic template, --qos 2, --sensors, --count, --source-addresses: the summary matches the subscriber', async () => {
    const sub = await watch('cli/+/t');
    try {
      const summary = await simQuick(
        ...['--topic', 'cli/{id}/t', '--qos', '2', '--sensors', '3', '--count', '4'],
        ...['--source-addresses', '3', '--id-prefix', 'tpl-'],
      );
      expect(summary.totals).toMatchObject({
        sent: 12,
        acknowledged: 12,
        lost: 0,
        duplicates: 0,
        rejected: 0,
      });
      await until(() => sub.seen.length >= 12, '12 readings');
      const got = readingKeys(sub.seen);
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
      const summary = await simQuick('--short', 'zq', '--qos', '1', '--sensors', '2', '--count', '3');
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
      const summary = await simQuick('--predefined', '21', '--qos', '-1', '--sensors', '2', '--count', '3');
      expect(summary.totals).toMatchObject({ sent: 6, connects: 0 });
      await until(() => sub.seen.length >= 6, '6 readings on the predefined topic');
    } finally {
      await sub.client.endAsync();
    }
  });

  it('--discover: the gateway found with SEARCHGW (§6.1)', async () => {
    const summary = await simQuick('--discover', '--qos', '1', '--count', '2', '--id-prefix', 'disc-');
    expect(summary.totals).toMatchObject({ sent: 2, acknowledged: 2, connects: 1 });
  });

  it('--seed with --loss: the same seed gives the same counters, losses and readings', async () => {
    const run = async (prefix: string) => {
      const sub = await watch('cli/+/t');
      try {
        const summary = await simQuick(
          ...['--topic', 'cli/{id}/t', '--qos', '0', '--sensors', '4', '--count', '5'],
          ...['--loss', '30', '--seed', '1234', '--id-prefix', prefix],
        );
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
    const scenario = join(gw.dir, 'mixed.json');
    writeFileSync(
      scenario,
      JSON.stringify([
        { sensors: 2, idPrefix: 'mix-a-', qos: 0, count: 2 },
        { sensors: 3, idPrefix: 'mix-b-', qos: 2, count: 2 },
      ]),
    );
    const sub = await watch('sensors/+/temperature');
    try {
      const summary = await simQuick('--scenario', scenario);
      expect(summary.sensors).toBe(5);
      expect(summary.groups.map((g) => [g.qos, g.sensors])).toEqual([
        [0, 2],
        [2, 3],
      ]);
      await until(
        () => readingKeys(sub.seen).filter((k) => k.startsWith('mix-')).length >= 10,
        'the mixed fleet',
      );
    } finally {
      await sub.client.endAsync();
    }
  });

  it('--duration: runs that long without --count, then stops every sensor', async () => {
    const summary = await simQuick('--duration', '1', '--sensors', '2', '--id-prefix', 'dur-');
    expect(summary.totals.sent).toBeGreaterThan(2);
    expect(summary.states).toEqual({ stopped: 2 });
  });

  it('--sleep: sensors sleep and wake between reports (§6.14), nothing lost', async () => {
    const summary = await runSimCli([
      ...[
        '--udp',
        gw.udp,
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
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { reconnectPeriod: 0 });
    try {
      const base = [
        '--udp',
        gw.udp,
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
      await runSimCli([...base, '--no-clean', ...rest]);
      await publisher.publishAsync('sensors/nc-1/cmd', 'interval=30', { qos: 1 });
      const kept = await runSimCli([...base, '--no-clean', ...rest]);
      expect(kept.totals).toMatchObject({ received: 1, commands: 1 });
      await publisher.publishAsync('sensors/nc-1/cmd', 'interval=30', { qos: 1 });
      const fresh = await runSimCli([...base, '--clean', ...rest]);
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
        SIM_CLI,
        '--udp',
        gw.udp,
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
