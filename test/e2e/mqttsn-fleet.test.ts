/**
 * The product's demo, end to end: the real app (startGateway from a gateway.conf text) and fleets of
 * simulated sensors (firmware-sim) on UDP — one socket per sensor — and behind a forwarder
 * (MQTT-SN §5.5), at QoS 1 and 2; `mosquitto_sub` sees every reading, QoS 2 exactly once; a command
 * sent with `mosquitto_pub` reaches a sleeping sensor when it wakes (MQTT-SN §6.14).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFleet, startFleet } from '../../firmware-sim/index.js';
import { type RunningApp, startGateway } from '../../src/app.js';
import { parseGatewayConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/observe/logger.js';

const run = promisify(execFile);
const WAIT_MS = 10_000;

/** `mosquitto_sub -v -d` with line-buffered output (stdbuf), collecting every line. */
class MosquittoSub {
  private out = '';
  private spawnFailed = false;
  private readonly exited: Promise<void>;
  private readonly child: ChildProcess;

  constructor(port: number, filter: string) {
    this.child = spawn(
      'stdbuf',
      ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-t', filter, '-q', '2', '-v', '-d'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: Buffer): void => {
      this.out += chunk.toString();
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    // A missing binary gives 'error' and maybe no 'exit': both end the wait, the reason is kept.
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.once('error', (error) => {
        this.out += `\ncannot run: ${error.message}`;
        this.spawnFailed = true;
        resolve();
      });
    });
  }

  /** "topic payload" lines (debug lines start with "Client "). */
  get messages(): string[] {
    return this.out.split('\n').filter((line) => line !== '' && !line.startsWith('Client '));
  }

  async until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`mosquitto_sub: no ${what} within ${WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  subscribed(): Promise<void> {
    return this.until(() => this.out.includes('received SUBACK'), 'SUBACK');
  }

  async stop(): Promise<void> {
    if (!this.spawnFailed && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** Readings per topic, e.g. { 'sensors/u1-3/temperature': 4 }. */
function countByTopic(lines: readonly string[], prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const topic = line.slice(0, line.indexOf(' '));
    if (!topic.startsWith(`sensors/${prefix}`)) continue;
    counts.set(topic, (counts.get(topic) ?? 0) + 1);
  }
  return counts;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let dir: string;
let app: RunningApp;
let sub: MosquittoSub;
let gatewayAddress: string;
let mqttPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mqttsn-fleet-'));
  const config = parseGatewayConfig(
    [
      'listener 0 127.0.0.1',
      'mqttsn_udp 0 127.0.0.1',
      'persistence false',
      'sys_interval 0',
      'advertise_interval 0',
    ].join('\n'),
    { file: 'fleet.conf', baseDir: dir },
  );
  app = await startGateway(config, silentLogger);
  mqttPort = app.mqttPorts[0] ?? 0;
  gatewayAddress = `127.0.0.1:${app.mqttsnPorts[0] ?? 0}`;
  sub = new MosquittoSub(mqttPort, 'sensors/+/temperature');
  await sub.subscribed();
}, 20_000);

afterAll(async () => {
  await sub?.stop();
  await app?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('firmware-sim fleets through the real app to mosquitto_sub', () => {
  it('UDP sensors at QoS 1 and 2 and forwarded sensors at QoS 1: every reading arrives, QoS 2 once', async () => {
    const common = { count: 4, interval: 0.05, batteryEvery: 0, ramp: 0.3 };
    const [udp, forwarded] = await Promise.all([
      runFleet({
        transport: { kind: 'udp', gateway: gatewayAddress },
        fleets: [
          { ...common, sensors: 30, qos: 1, idPrefix: 'u1-' },
          { ...common, sensors: 20, qos: 2, idPrefix: 'u2-' },
        ],
      }),
      runFleet({
        transport: { kind: 'forwarder', gateway: gatewayAddress },
        fleets: [{ ...common, sensors: 20, qos: 1, idPrefix: 'f1-' }],
      }),
    ]);
    // Every QoS 1/2 reading was acknowledged by the gateway.
    expect(udp.totals).toMatchObject({ sent: 200, acknowledged: 200, lost: 0, rejected: 0 });
    expect(forwarded.totals).toMatchObject({ sent: 80, acknowledged: 80, lost: 0, rejected: 0 });

    const u1 = () => countByTopic(sub.messages, 'u1-');
    const u2 = () => countByTopic(sub.messages, 'u2-');
    const f1 = () => countByTopic(sub.messages, 'f1-');
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    await sub.until(
      () => total(u1()) >= 120 && total(u2()) >= 80 && total(f1()) >= 80,
      'readings of every sensor',
    );
    // QoS 1: at least once per reading, from every sensor.
    expect(u1().size).toBe(30);
    expect(Math.min(...u1().values())).toBeGreaterThanOrEqual(4);
    expect(f1().size).toBe(20);
    expect(Math.min(...f1().values())).toBeGreaterThanOrEqual(4);
    // QoS 2: exactly once per reading [MQTT-4.3.3], through the MQTT-SN QoS 2 flow (§6.6).
    expect([...u2().values()]).toEqual(Array.from({ length: 20 }, () => 4));
  }, 30_000);

  it('a command sent with mosquitto_pub reaches a sleeping sensor when it wakes (§6.14)', async () => {
    const fleet = await startFleet({
      transport: { kind: 'udp', gateway: gatewayAddress },
      fleets: [
        { sensors: 3, qos: 1, interval: 3600, sleep: 1, batteryEvery: 0, tRetry: 0.5, idPrefix: 's-' },
      ],
    });
    try {
      const sensor = fleet.sensor('s-2');
      await until(() => fleet.states().asleep === 3, 'three sleeping sensors');
      await run(
        'mosquitto_pub',
        ['-h', '127.0.0.1', '-p', String(mqttPort), '-t', 'sensors/s-2/cmd', '-m', 'sleep=2', '-q', '1'],
        {
          timeout: WAIT_MS,
        },
      );
      await until(() => sensor?.settings.sleepSeconds === 2, 'the command applied');
      expect(fleet.sensor('s-1')?.settings.sleepSeconds).toBe(1);
    } finally {
      const summary = await fleet.stop();
      expect(summary.totals.commands).toBe(1);
      expect(summary.totals.wakeups).toBeGreaterThanOrEqual(1);
    }
  }, 30_000);
});
