/**
 * What the firmware-sim end-to-end tests (test/e2e/firmware-sim-*.test.ts) share: the real app
 * started in-process from gateway.conf lines, an MQTT.js subscriber that collects what it gets,
 * polling for a condition, and a run of the built `firmware-sim` CLI with its --json summary.
 * `npm test` builds before running vitest; a missing build is reported, never skipped.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Summary } from '../../firmware-sim/index.js';
import { type RunningApp, startGateway } from '../../src/app.js';
import { parseGatewayConfig } from '../../src/config/load.js';
import { type Logger, silentLogger } from '../../src/observe/logger.js';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SIM_CLI = join(repository, 'bin/firmware-sim.js');

export function requireBuiltSimCli(): void {
  if (!existsSync(join(repository, 'dist/firmware-sim/cli.js'))) {
    throw new Error('dist/firmware-sim/cli.js is missing: run `npm run build` first');
  }
}

export interface SimGateway {
  readonly app: RunningApp;
  /** Temporary directory of the configuration (removed by close()). */
  readonly dir: string;
  readonly mqttPort: number;
  /** `127.0.0.1:<port>` of the MQTT-SN UDP listener, as firmware-sim's --udp takes it. */
  readonly udp: string;
  close(): Promise<void>;
}

export interface SimGatewayOptions {
  /** gateway.conf lines after the common ones (listeners on ports from the OS, no persistence). */
  readonly lines: readonly string[];
  /** Files written into the configuration's directory first (e.g. predefined.conf). */
  readonly files?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
}

/** The app on 127.0.0.1: MQTT and MQTT-SN UDP listeners, no persistence, no $SYS, no ADVERTISE. */
export async function startSimGateway(name: string, options: SimGatewayOptions): Promise<SimGateway> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  try {
    for (const [file, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, file), text);
    const config = parseGatewayConfig(
      [
        'listener 0 127.0.0.1',
        'mqttsn_udp 0 127.0.0.1',
        'persistence false',
        'sys_interval 0',
        'advertise_interval 0',
        ...options.lines,
      ].join('\n'),
      { file: `${name}.conf`, baseDir: dir },
    );
    const app = await startGateway(config, options.logger ?? silentLogger);
    return {
      app,
      dir,
      mqttPort: app.mqttPorts[0]!,
      udp: `127.0.0.1:${app.mqttsnPorts[0]}`,
      close: async () => {
        await app.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * startSimGateway before the file's tests (beforeAll) and closed after them (afterAll); its
 * getters read the running gateway.
 */
export function simGatewayForFile(name: string, options: SimGatewayOptions) {
  let current: SimGateway | undefined;
  const running = (): SimGateway => {
    if (current === undefined) throw new Error(`${name}: the gateway is not running`);
    return current;
  };
  beforeAll(async () => {
    current = await startSimGateway(name, options);
  }, 20_000);
  afterAll(async () => {
    await current?.close();
  });
  return {
    get udp(): string {
      return running().udp;
    },
    get mqttPort(): number {
      return running().mqttPort;
    },
    get dir(): string {
      return running().dir;
    },
  };
}

export interface Seen {
  topic: string;
  payload: string;
}

/** An MQTT.js subscriber collecting everything on `filter` (QoS 2 subscription). */
export async function watch(mqttPort: number, filter: string): Promise<{ client: MqttClient; seen: Seen[] }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0, clean: true });
  const seen: Seen[] = [];
  client.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  await client.subscribeAsync(filter, { qos: 2 });
  return { client, seen };
}

/** "clientId#seq" of every reading, from topics whose second level is the ClientId. */
export function readingKeys(seen: readonly Seen[]): string[] {
  return seen.map((m) => `${m.topic.split('/')[1]}#${(JSON.parse(m.payload) as { seq: number }).seq}`);
}

export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

/** A UDP port the OS just handed out (free now; the gateway binds it). */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((ok) => socket.bind(0, '127.0.0.1', () => ok()));
  const { port } = socket.address();
  await new Promise<void>((ok) => socket.close(() => ok()));
  return port;
}

/**
 * Runs the built CLI to its end and parses its --json summary; it must exit 0. Killed with SIGKILL
 * after `killAfterMs`, so a hang fails the test instead of holding it.
 */
export async function runSimCli(args: readonly string[], killAfterMs = 20_000): Promise<Summary> {
  const child = spawn(process.execPath, [SIM_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  try {
    const code = await new Promise<number | null>((ok) => child.on('exit', ok));
    expect(code, stderr).toBe(0);
    return JSON.parse(stdout) as Summary;
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
}
