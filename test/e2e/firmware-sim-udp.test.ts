/**
 * Issue 6 "Done when", over UDP: firmware-sim against the real app (startGateway with a gateway.conf
 * text), its summary checked against what an MQTT subscriber (MQTT.js on the broker's listener)
 * received; a sensor's interval changed through its command topic; a sleeping sensor given what
 * was published while it slept (MQTT-SN §6.14); the CLI's --json summary.
 */
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { runFleet, type Summary, startFleet } from '../../firmware-sim/index.js';
import { type RunningApp, startGateway } from '../../src/app.js';
import { parseGatewayConfig } from '../../src/config/load.js';
import { createLogger, silentLogger } from '../../src/observe/logger.js';
import {
  freeUdpPort,
  readingKeys,
  requireBuiltSimCli,
  runSimCli,
  type Seen,
  simGatewayForFile,
  until,
  watch as watchOn,
} from '../helpers/firmware-sim.js';

const gw = simGatewayForFile('firmware-sim-udp', {
  files: { 'predefined.conf': '*, sensors/predefined/temperature, 21\n' },
  lines: ['t_retry 0.3', 'n_retry 4', 'predefined_topics predefined.conf'],
});

/** An MQTT.js subscriber collecting everything on `filter`. */
const watch = (filter: string) => watchOn(gw.mqttPort, filter);

function expectEveryReading(seen: readonly Seen[], prefix: string, sensors: number, count: number): void {
  const expected: string[] = [];
  for (let s = 1; s <= sensors; s++) for (let n = 1; n <= count; n++) expected.push(`${prefix}${s}#${n}`);
  expect(readingKeys(seen).sort()).toEqual(expected.sort());
}

describe('firmware-sim against the gateway over UDP', () => {
  it.each([1, 2] as const)(
    'QoS %i: every acknowledged reading reaches the subscriber exactly once',
    async (qos) => {
      const prefix = `u${qos}-`;
      const sub = await watch(`sensors/+/temperature`);
      try {
        const summary = await runFleet({
          transport: { kind: 'udp', gateway: gw.udp },
          fleets: [
            { sensors: 8, qos, count: 5, interval: 0.05, batteryEvery: 0, ramp: 0.1, idPrefix: prefix },
          ],
          seed: 7,
        });
        expect(summary.totals).toMatchObject({ sent: 40, acknowledged: 40, lost: 0, rejected: 0 });
        expect(summary.latency?.samples).toBe(40);
        expect(summary.states).toEqual({ stopped: 8 });
        await until(() => sub.seen.length >= 40, '40 readings at the subscriber');
        expectEveryReading(
          sub.seen.filter((m) => m.topic.includes(prefix)),
          prefix,
          8,
          5,
        );
      } finally {
        await sub.client.endAsync();
      }
    },
  );

  it('QoS 0 with the battery level, and QoS -1 on a predefined topic id (§6.8)', async () => {
    const sub = await watch('sensors/#');
    try {
      const [zero, minusOne] = await Promise.all([
        runFleet({
          transport: { kind: 'udp', gateway: gw.udp },
          fleets: [
            { sensors: 3, qos: 0, count: 4, interval: 0.05, batteryEvery: 2, ramp: 0.05, idPrefix: 'z-' },
          ],
        }),
        runFleet({
          transport: { kind: 'udp', gateway: gw.udp },
          fleets: [
            { sensors: 2, qos: -1, predefined: 21, count: 3, interval: 0.05, ramp: 0.05, idPrefix: 'm-' },
          ],
        }),
      ]);
      expect(zero.totals.sent).toBe(3 * 4 + 3 * 2);
      expect(minusOne.totals.sent).toBe(6);
      await until(() => sub.seen.length >= 24, '24 messages at the subscriber');
      const byTopic = (suffix: string) => sub.seen.filter((m) => m.topic.endsWith(suffix));
      expectEveryReading(
        byTopic('/temperature').filter((m) => m.topic.includes('/z-')),
        'z-',
        3,
        4,
      );
      expect(byTopic('/battery')).toHaveLength(6);
      expect(sub.seen.filter((m) => m.topic === 'sensors/predefined/temperature')).toHaveLength(6);
    } finally {
      await sub.client.endAsync();
    }
  });

  it('with 10 % simulated loss: retries, and no reading is duplicated at QoS 2', async () => {
    const sub = await watch('sensors/+/temperature');
    let summary: Summary;
    try {
      summary = await runFleet({
        transport: { kind: 'udp', gateway: gw.udp },
        fleets: [
          {
            sensors: 5,
            qos: 2,
            count: 6,
            interval: 0.05,
            batteryEvery: 0,
            tRetry: 0.2,
            nRetry: 8,
            idPrefix: 'l-',
          },
        ],
        loss: 10,
        seed: 11,
      });
      await until(() => sub.seen.length >= summary.totals.acknowledged, 'the acknowledged readings');
      await new Promise((resolve) => setTimeout(resolve, 300)); // any duplicate would arrive by now
    } finally {
      await sub.client.endAsync();
    }
    expect(summary.network.droppedByLoss).toBeGreaterThan(0);
    expect(summary.totals.retried).toBeGreaterThan(0);
    const keys = readingKeys(sub.seen.filter((m) => m.topic.includes('/l-')));
    expect(new Set(keys).size).toBe(keys.length); // QoS 2: exactly once
    expect(keys.length).toBeGreaterThanOrEqual(summary.totals.acknowledged);
    expect(keys.length).toBeLessThanOrEqual(summary.totals.sent);
  });

  it('a forwarder (§5.5) carries 60 sensors on one socket', async () => {
    const sub = await watch('sensors/+/temperature');
    try {
      const summary = await runFleet({
        transport: { kind: 'forwarder', gateway: gw.udp },
        fleets: [
          { sensors: 60, qos: 1, count: 2, interval: 0.1, batteryEvery: 0, ramp: 0.2, idPrefix: 'f-' },
        ],
      });
      expect(summary.totals.acknowledged).toBe(120);
      await until(() => sub.seen.length >= 120, '120 readings');
      expectEveryReading(sub.seen, 'f-', 60, 2);
    } finally {
      await sub.client.endAsync();
    }
  });

  it('changes a sensor’s interval through sensors/<id>/cmd', async () => {
    const sub = await watch('sensors/cmd-1/temperature');
    const fleet = await startFleet({
      transport: { kind: 'udp', gateway: gw.udp },
      fleets: [{ sensors: 1, qos: 1, interval: 3600, batteryEvery: 0, ramp: 0, idPrefix: 'cmd-' }],
    });
    try {
      // One reading at power-on, then none for an hour …
      await until(
        () => sub.seen.length === 1 && fleet.sensor('cmd-1')?.state.kind === 'active',
        'first reading',
      );
      await sub.client.publishAsync('sensors/cmd-1/cmd', 'interval=0.1', { qos: 1 });
      // … until the command: then a reading every 100 ms.
      await until(() => sub.seen.length >= 6, 'readings at the new interval');
      expect(fleet.sensor('cmd-1')?.settings.intervalSeconds).toBe(0.1);
    } finally {
      await sub.client.endAsync();
      const summary = await fleet.stop();
      expect(summary.totals.commands).toBe(1);
    }
  });

  it('a sleeping sensor receives what was published while it slept (§6.14)', async () => {
    const received: string[] = [];
    const fleet = await startFleet({
      transport: { kind: 'udp', gateway: gw.udp },
      fleets: [
        {
          sensors: 1,
          qos: 1,
          interval: 3600,
          sleep: 1,
          batteryEvery: 0,
          ramp: 0,
          tRetry: 0.5,
          idPrefix: 'zz-',
        },
      ],
      onMessage: (_id, topic, payload) => received.push(`${topic} ${payload}`),
    });
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { reconnectPeriod: 0 });
    try {
      const sensor = fleet.sensor('zz-1')!;
      await until(() => sensor.state.kind === 'asleep', 'the sensor to fall asleep');
      for (const seconds of [3000, 3100, 3200]) {
        await publisher.publishAsync('sensors/zz-1/cmd', `interval=${seconds}`, { qos: 1 });
      }
      await until(() => received.length === 3 && sensor.state.kind === 'asleep', 'the buffered commands');
      expect(received).toEqual([
        'sensors/zz-1/cmd interval=3000',
        'sensors/zz-1/cmd interval=3100',
        'sensors/zz-1/cmd interval=3200',
      ]);
      expect(sensor.settings.intervalSeconds).toBe(3200);
    } finally {
      await publisher.endAsync();
      const summary = await fleet.stop();
      // Delivered on a PINGREQ wake-up, not by connecting again (§6.14).
      expect(summary.totals.wakeups).toBeGreaterThanOrEqual(1);
      expect(summary.totals.connects).toBe(1);
      expect(summary.totals.sleeps).toBe(1); // after PINGRESP it is asleep again without a DISCONNECT
      expect(summary.states).toEqual({ stopped: 1 });
    }
  });

  it('finds the gateway with SEARCHGW, and its will is published when it dies (§6.1, §6.2)', async () => {
    const sub = await watch('sensors/will-1/status');
    const fleet = await startFleet({
      transport: { kind: 'udp', gateway: gw.udp },
      fleets: [
        { sensors: 1, qos: 1, interval: 3600, keepAlive: 1, will: true, discover: true, idPrefix: 'will-' },
      ],
    });
    try {
      const sensor = fleet.sensor('will-1')!;
      await until(() => sensor.state.kind === 'active', 'the sensor to connect');
      sensor.forceStop(); // the battery falls out: no DISCONNECT, the keep-alive runs out
      await until(() => sub.seen.length === 1, 'the will', 8000);
      expect(sub.seen[0]).toEqual({ topic: 'sensors/will-1/status', payload: 'offline' });
    } finally {
      await sub.client.endAsync();
      await fleet.stop();
    }
  });

  it('sleeping QoS 1 and 2 sensors under 15 % loss: no errors, nothing acknowledged goes missing', async () => {
    const errors: string[] = [];
    const sub = await watch('sensors/+/temperature');
    let summary: Summary;
    try {
      summary = await runFleet({
        transport: { kind: 'udp', gateway: gw.udp },
        fleets: [
          {
            sensors: 8,
            qos: 1,
            sleep: 1,
            interval: 0.3,
            tRetry: 0.2,
            nRetry: 3,
            batteryEvery: 0,
            idPrefix: 'sl1-',
          },
          {
            sensors: 8,
            qos: 2,
            sleep: 1,
            interval: 0.3,
            tRetry: 0.2,
            nRetry: 3,
            batteryEvery: 0,
            idPrefix: 'sl2-',
          },
        ],
        loss: 15,
        seed: 3,
        duration: 3,
        drain: 2,
        logger: createLogger('error', (line) => errors.push(line)),
      });
      const [qos1Group, qos2Group] = summary.groups;
      const distinct = (prefix: string) =>
        new Set(readingKeys(sub.seen).filter((key) => key.startsWith(prefix)));
      // Every acknowledged reading reaches the subscriber (QoS 1 may add duplicates, QoS 2 never).
      await until(
        () =>
          distinct('sl1-').size >= qos1Group!.counters.acknowledged &&
          distinct('sl2-').size >= qos2Group!.counters.acknowledged,
        'every acknowledged reading at the subscriber',
      );
      await new Promise((resolve) => setTimeout(resolve, 200)); // a late duplicate would show now
    } finally {
      await sub.client.endAsync();
    }
    expect(errors).toEqual([]);
    expect(summary.totals.sleeps).toBeGreaterThan(0);
    expect(summary.totals.retried).toBeGreaterThan(0);
    const qos2 = readingKeys(sub.seen).filter((key) => key.startsWith('sl2-'));
    expect(new Set(qos2).size).toBe(qos2.length); // QoS 2: never twice
  });

  it('sensors find their way back after the gateway restarts (§6.12, §6.13)', async () => {
    const port = await freeUdpPort();
    const conf = (extra: string[]) =>
      parseGatewayConfig(
        ['listener 0 127.0.0.1', `mqttsn_udp ${port} 127.0.0.1`, 'persistence false', ...extra].join('\n'),
        {
          file: 'restart.conf',
          baseDir: gw.dir,
        },
      );
    let second: RunningApp | undefined;
    const first = await startGateway(conf(['sys_interval 0', 'advertise_interval 0']), silentLogger);
    const fleet = await startFleet({
      transport: { kind: 'udp', gateway: `127.0.0.1:${port}` },
      fleets: [
        {
          sensors: 4,
          qos: 1,
          interval: 0.1,
          batteryEvery: 0,
          tRetry: 0.2,
          nRetry: 2,
          ramp: 0,
          idPrefix: 'rs-',
        },
      ],
    });
    try {
      const acked = () => fleet.groups[0]!.counters.acknowledged;
      await until(() => acked() >= 8, 'readings before the restart');
      await first.close();
      second = await startGateway(conf(['sys_interval 0', 'advertise_interval 0']), silentLogger);
      const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${second.mqttPorts[0]}`, { reconnectPeriod: 0 });
      const seen: string[] = [];
      sub.on('message', (topic) => seen.push(topic));
      await sub.subscribeAsync('sensors/+/temperature', { qos: 1 });
      // The new gateway does not know them: DISCONNECT (or silence until N_retry), then CONNECT again.
      await until(() => new Set(seen).size === 4, 'readings from all 4 sensors after the restart');
      await sub.endAsync();
      const counters = fleet.groups[0]!.counters;
      expect(counters.connects).toBeGreaterThanOrEqual(8);
      expect(counters.gatewayDisconnects + counters.connectionLosses).toBeGreaterThanOrEqual(4);
    } finally {
      await fleet.stop();
      await first.close();
      await second?.close();
    }
  });

  it('the CLI prints a --json summary that matches the subscriber', async () => {
    requireBuiltSimCli();
    const sub = await watch('sensors/+/temperature');
    try {
      const args = ['--udp', gw.udp, '--sensors', '4', '--count', '3', '--interval', '0.05'];
      args.push('--battery-every', '0', '--id-prefix', 'cli-', '--ramp', '0.1', '--json', '--quiet');
      const summary = await runSimCli(args);
      expect(summary.totals).toMatchObject({ sent: 12, acknowledged: 12, lost: 0 });
      await until(() => sub.seen.length >= 12, '12 readings');
      expectEveryReading(sub.seen, 'cli-', 4, 3);
    } finally {
      await sub.client.endAsync();
    }
  });
});
