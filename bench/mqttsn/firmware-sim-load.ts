/**
 * `--load firmware-sim`: the benchmark's fan-in and latency scenarios driven by firmware-sim
 * (issue 6: "the benchmark of the gateway issue can use firmware-sim as its load") instead of the
 * raw-socket generator. Each sensor is a full MQTT-SN client (CONNECT, REGISTER, PUBLISH with its own
 * T_retry, one QoS 1 PUBLISH in flight, §6.6), so the figures include what real firmware costs the
 * gateway: the connection and registration of every sensor, and REGISTER-topic-id PUBLISHes.
 *
 * firmware-sim runs in this process (`runFleet` from firmware-sim/index.ts); its CPU share is
 * printed beside the gateway's so one can see it is not the bottleneck. One MQTT subscriber takes
 * `bench/fs/#` at the scenario's QoS; the rate is what it received over first→last arrival.
 */
import mqtt from 'mqtt';
import { runFleet, type Summary } from '../../firmware-sim/index.js';
import { CpuSampler } from '../procstat.js';
import { startGatewayProcess } from './gateway.js';
import type { Options, ScenarioName } from './plan.js';
import { nowNs } from './protocol.js';

export interface FirmwareSimFigures {
  scenario: ScenarioName;
  run: number;
  sensors: number;
  qos: 0 | 1;
  /** Readings the subscriber received, per second between its first and last arrival. */
  receivedPerSecond: number | null;
  received: number;
  summary: Pick<Summary['totals'], 'sent' | 'acknowledged' | 'retried' | 'lost'>;
  /** QoS 1: PUBLISH → PUBACK at the sensor, as firmware-sim measures it. */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  gatewayCpu: number | null;
  simulatorCpu: number | null;
  notes: string[];
}

/** The sensors' pacing for a scenario: as fast as each one may (fan-in), or a fixed total rate. */
function pacing(options: Options, scenario: ScenarioName): { qos: 0 | 1; interval: number; count: number } {
  if (scenario === 'latency') {
    const interval = options.sensors / options.rate;
    return { qos: 1, interval, count: Math.max(1, Math.round(options.duration / interval)) };
  }
  // A reading every millisecond per sensor: QoS 1 sensors are then paced by their PUBACKs (one in
  // flight, §6.6), QoS 0 ones by the simulator's own timers.
  return {
    qos: scenario === 'fanin-qos0' ? 0 : 1,
    interval: 0.001,
    count: Math.max(1, Math.ceil(options.messages / options.sensors)),
  };
}

async function subscriber(port: number, qos: 0 | 1) {
  const client = await mqtt.connectAsync({ host: '127.0.0.1', port, reconnectPeriod: 0, clean: true });
  const arrivals = { count: 0, firstNs: 0, lastNs: 0 };
  client.on('message', () => {
    const at = nowNs();
    if (arrivals.count === 0) arrivals.firstNs = at;
    arrivals.lastNs = at;
    arrivals.count += 1;
  });
  await client.subscribeAsync('bench/fs/#', { qos });
  return { client, arrivals };
}

export async function runFirmwareSimLoad(
  options: Options,
  scenario: ScenarioName,
  run: number,
): Promise<FirmwareSimFigures> {
  const { qos, interval, count } = pacing(options, scenario);
  const { broker, udpPort } = await startGatewayProcess(options.timeout + 60);
  const notes: string[] = [];
  const sub = await subscriber(broker.port, qos);
  try {
    const sampler = new CpuSampler(broker.pid);
    const cpuBefore = process.cpuUsage();
    const startNs = nowNs();
    const summary = await runFleet({
      transport: { kind: 'udp', gateway: `127.0.0.1:${udpPort}` },
      fleets: [
        {
          sensors: options.sensors,
          idPrefix: `fs${run}-`,
          qos,
          topic: 'bench/fs/{id}',
          interval,
          count,
          batteryEvery: 0,
          keepAlive: 0,
          tRetry: 5,
          ramp: 1,
        },
      ],
      seed: run,
      duration: options.timeout,
      drain: 10,
    });
    const endNs = nowNs();
    const cpu = process.cpuUsage(cpuBefore);
    const expected = qos === 1 ? summary.totals.acknowledged : summary.totals.sent;
    const deadline = Date.now() + 10_000;
    while (sub.arrivals.count < expected && Date.now() < deadline)
      await new Promise((ok) => setTimeout(ok, 50));
    sampler.stop();
    if (sub.arrivals.count < expected) notes.push(`subscriber got ${sub.arrivals.count} of ${expected}`);
    if (!broker.running) notes.push(`the gateway ${broker.exitReason}`);
    const { firstNs, lastNs } = sub.arrivals;
    const window = (lastNs - firstNs) / 1e9;
    return {
      scenario,
      run,
      sensors: options.sensors,
      qos,
      receivedPerSecond: window > 0 ? sub.arrivals.count / window : null,
      received: sub.arrivals.count,
      summary: {
        sent: summary.totals.sent,
        acknowledged: summary.totals.acknowledged,
        retried: summary.totals.retried,
        lost: summary.totals.lost,
      },
      latencyP50Ms: summary.latency?.p50Ms ?? null,
      latencyP99Ms: summary.latency?.p99Ms ?? null,
      gatewayCpu: window > 0 ? sampler.secondsBetween(firstNs, lastNs) / window : null,
      simulatorCpu: endNs > startNs ? (cpu.user + cpu.system) / 1e6 / ((endNs - startNs) / 1e9) : null,
      notes,
    };
  } finally {
    await sub.client.endAsync(true);
    await broker.stop();
  }
}

export function formatFirmwareSimTable(rows: readonly FirmwareSimFigures[]): string {
  const header = ['scenario', 'run', 'sensors', 'QoS', 'received/s', 'sent', 'acked', 'retried', 'lost'];
  header.push('p50 ms', 'p99 ms', 'gateway CPU', 'firmware-sim CPU');
  const percent = (share: number | null) => (share === null ? '—' : `${Math.round(share * 100)}%`);
  const number = (value: number | null, digits = 0) => (value === null ? '—' : value.toFixed(digits));
  const cells = rows.map((r) => [
    r.scenario,
    String(r.run),
    String(r.sensors),
    String(r.qos),
    number(r.receivedPerSecond),
    String(r.summary.sent),
    String(r.summary.acknowledged),
    String(r.summary.retried),
    String(r.summary.lost),
    number(r.latencyP50Ms, 2),
    number(r.latencyP99Ms, 2),
    percent(r.gatewayCpu),
    percent(r.simulatorCpu),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (row: readonly string[]) => row.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  const notes = rows.flatMap((r) => r.notes.map((n) => `  ${r.scenario} run ${r.run}: ${n}`));
  return [line(header), ...cells.map(line), ...(notes.length > 0 ? ['', 'notes:', ...notes] : [])].join('\n');
}
