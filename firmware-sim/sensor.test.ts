/**
 * The simulated sensor against a scripted fake gateway on a real UDP socket (testing/fake-gateway.ts):
 * connect with will, REGISTER, PUBLISH at every QoS, retransmission with DUP, commands, the sleep cycle.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatSummary, runFleet, startFleet } from './index.js';
import { progressLine } from './progress.js';
import { FakeGateway } from './testing/fake-gateway.js';

let gateway: FakeGateway;
beforeEach(async () => {
  gateway = await FakeGateway.start({ predefined: new Map([[7, 'sensors/predefined']]) });
});
afterEach(async () => {
  await gateway.close();
});

async function until(condition: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('firmware-sim against a fake gateway', () => {
  it.each([0, 1, 2] as const)(
    'publishes count readings at QoS %i and the summary matches what arrived',
    async (qos) => {
      const summary = await runFleet({
        transport: { kind: 'udp', gateway: gateway.address },
        fleets: [
          { sensors: 3, qos, count: 4, interval: 0.05, batteryEvery: 2, ramp: 0.05, idPrefix: `q${qos}-` },
        ],
        seed: 3,
      });
      expect(summary.totals.sent).toBe(3 * (4 + 2));
      expect(summary.totals.acknowledged).toBe(qos === 0 ? 0 : 18);
      // QoS 0: the last datagrams may still be on their way to the gateway's socket.
      await until(() => gateway.published.length >= 18, '18 messages at the gateway');
      expect(gateway.published).toHaveLength(18);
      const readings = gateway.published.filter(
        (p) => p.topic === 'sensors/q1-1/temperature'.replace('q1', `q${qos}`),
      );
      expect(readings.map((p) => JSON.parse(p.payload).seq)).toEqual([1, 2, 3, 4]);
      expect(gateway.published.filter((p) => p.topic.endsWith('/battery'))).toHaveLength(6);
      expect(summary.latency === null).toBe(qos === 0);
      expect(summary.states).toEqual({ stopped: 3 });
      expect(formatSummary(summary)).toContain(`sent 18`);
    },
  );

  it('answers the will prompts (§6.2) and subscribes to its command topic', async () => {
    await runFleet({
      transport: { kind: 'udp', gateway: gateway.address },
      fleets: [{ sensors: 1, count: 1, will: true, batteryEvery: 0, idPrefix: 'w-' }],
    });
    expect(gateway.client('w-1')?.will).toEqual({ topic: 'sensors/w-1/status', message: 'offline' });
    const subscribe = gateway.received.find((r) => r.packet.type === 'SUBSCRIBE');
    expect(subscribe?.packet).toMatchObject({ topic: { type: 'name', name: 'sensors/w-1/cmd' } });
  });

  it('finds the gateway with SEARCHGW (§6.1)', async () => {
    const summary = await runFleet({
      transport: { kind: 'udp', gateway: gateway.address },
      fleets: [{ sensors: 2, count: 1, discover: true, batteryEvery: 0, idPrefix: 'd-' }],
    });
    expect(gateway.received.filter((r) => r.packet.type === 'SEARCHGW')).toHaveLength(2);
    expect(summary.totals.acknowledged).toBe(2);
  });

  it('publishes QoS -1 on a predefined id without connecting (§6.8)', async () => {
    const summary = await runFleet({
      transport: { kind: 'udp', gateway: gateway.address },
      fleets: [{ sensors: 2, qos: -1, predefined: 7, count: 3, interval: 0.05, idPrefix: 'm-' }],
    });
    expect(summary.totals.sent).toBe(6);
    await until(() => gateway.published.length >= 6, '6 messages at the gateway');
    expect(gateway.received.some((r) => r.packet.type === 'CONNECT')).toBe(false);
    expect(gateway.published.every((p) => p.topic === 'sensors/predefined' && p.qos === -1)).toBe(true);
    expect(gateway.published).toHaveLength(6);
  });

  it('retransmits an unacknowledged PUBLISH with DUP set (§6.13)', async () => {
    await gateway.close();
    gateway = await FakeGateway.start({ ignoreFirstPublishes: 2 });
    const summary = await runFleet({
      transport: { kind: 'udp', gateway: gateway.address },
      fleets: [
        {
          sensors: 1,
          qos: 1,
          count: 2,
          tRetry: 0.3,
          nRetry: 3,
          batteryEvery: 0,
          interval: 0.05,
          idPrefix: 'r-',
        },
      ],
    });
    expect(summary.totals.retried).toBe(2);
    expect(summary.totals.acknowledged).toBe(2);
    expect(gateway.published[0]?.dup).toBe(true);
    const publishes = gateway.received.filter((r) => r.packet.type === 'PUBLISH').map((r) => r.packet);
    expect(publishes.map((p) => (p.type === 'PUBLISH' ? p.dup : undefined))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('changes its interval on `interval=…` from its command topic', async () => {
    const fleet = await startFleet({
      transport: { kind: 'udp', gateway: gateway.address },
      fleets: [{ sensors: 1, qos: 1, interval: 3600, batteryEvery: 0, idPrefix: 'c-' }],
    });
    try {
      await until(() => gateway.published.length === 1, 'the first reading');
      gateway.publishTo('c-1', 'sensors/c-1/cmd', 'interval=0.05');
      await until(() => gateway.published.length >= 6, 'readings at the new interval');
      expect(fleet.sensor('c-1')?.settings.intervalSeconds).toBe(0.05);
    } finally {
      const summary = await fleet.stop();
      expect(summary.totals.commands).toBe(1);
    }
  });

  it('counts a PUBLISH the gateway sends again (DUP, same MsgId) as a duplicate, applied once', async () => {
    const fleet = await startFleet({
      transport: { kind: 'udp', gateway: gateway.address },
      fleets: [{ sensors: 1, qos: 1, interval: 3600, batteryEvery: 0, idPrefix: 'd-' }],
    });
    try {
      await until(() => gateway.published.length === 1, 'the first reading');
      gateway.publishTwice('d-1', 'sensors/d-1/cmd', 'report');
      await until(() => gateway.published.length >= 2, 'the reading the command asked for');
    } finally {
      const summary = await fleet.stop();
      expect(summary.totals).toMatchObject({ received: 1, duplicates: 1, commands: 1 });
    }
  });

  it('sleeps, wakes with PINGREQ+ClientId, takes the buffered messages and sleeps again (§6.14)', async () => {
    const received: string[] = [];
    const fleet = await startFleet({
      transport: { kind: 'udp', gateway: gateway.address },
      fleets: [
        { sensors: 1, qos: 1, interval: 3600, sleep: 1, batteryEvery: 0, tRetry: 0.5, idPrefix: 's-' },
      ],
      onMessage: (_id, topic, payload) => received.push(`${topic} ${payload}`),
    });
    try {
      const sensor = fleet.sensor('s-1')!;
      await until(() => sensor.state.kind === 'asleep' && gateway.client('s-1')?.asleep === true, 'sleep');
      gateway.publishTo('s-1', 'sensors/s-1/cmd', 'hello=1');
      gateway.publishTo('s-1', 'sensors/s-1/cmd', 'sleep=2');
      expect(gateway.client('s-1')?.buffered).toBe(2);
      await until(() => received.length === 2 && sensor.state.kind === 'asleep', 'the buffered messages');
      expect(received).toEqual(['sensors/s-1/cmd hello=1', 'sensors/s-1/cmd sleep=2']);
      expect(sensor.settings.sleepSeconds).toBe(2);
      const wake = gateway.received.find((r) => r.packet.type === 'PINGREQ');
      expect(wake?.packet).toEqual({ type: 'PINGREQ', clientId: 's-1' });
    } finally {
      const summary = await fleet.stop();
      expect(summary.totals.wakeups).toBeGreaterThanOrEqual(1);
      expect(summary.totals.badCommands).toBe(1);
      expect(summary.states).toEqual({ stopped: 1 });
      expect(summary.groups[0]?.energy.asleepJ).toBeGreaterThan(0);
    }
  });

  it('loses the same datagrams with the same seed (--loss is per sensor, seeded)', async () => {
    const run = (prefix: string) =>
      runFleet({
        transport: { kind: 'udp', gateway: gateway.address },
        fleets: [
          {
            sensors: 2,
            qos: 1,
            count: 4,
            interval: 0.02,
            tRetry: 0.5,
            nRetry: 10,
            batteryEvery: 0,
            ramp: 0,
            idPrefix: prefix,
          },
        ],
        loss: 20,
        seed: 5,
      });
    const first = await run('la-');
    const second = await run('lb-');
    expect(first.network.droppedByLoss).toBeGreaterThan(0);
    expect(second.network.droppedByLoss).toBe(first.network.droppedByLoss);
    expect(second.totals.retried).toBe(first.totals.retried);
    expect(second.totals.acknowledged).toBe(first.totals.acknowledged);
  });

  it('spreads sensors over source addresses on 127.0.0.0/8, one socket each', async () => {
    const summary = await runFleet({
      transport: {
        kind: 'udp',
        gateway: gateway.address,
        sourceAddresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
      },
      fleets: [{ sensors: 6, qos: 1, count: 1, batteryEvery: 0, ramp: 0.05, idPrefix: 'src-' }],
    });
    expect(summary.totals.acknowledged).toBe(6);
    const senders = new Set(gateway.received.filter((r) => r.packet.type === 'CONNECT').map((r) => r.from));
    expect(senders.size).toBe(6);
    expect(new Set([...senders].map((from) => from.split(':')[0]))).toEqual(
      new Set(['127.0.0.2', '127.0.0.3', '127.0.0.4']),
    );
  });

  it('reports progress in one line', async () => {
    const fleet = await startFleet({
      transport: { kind: 'udp', gateway: gateway.address },
      fleets: [{ sensors: 2, qos: 1, interval: 3600, batteryEvery: 0, ramp: 0, idPrefix: 'p-' }],
    });
    try {
      await until(() => fleet.groups[0]?.counters.acknowledged === 2, 'two acknowledged readings');
      const line = progressLine(fleet, fleet.startedAt + 3000);
      expect(line).toMatch(
        /^\[3s\] sensors 2: 2 active, 0 asleep, 0 connecting \| sent 2 acked 2 retried 0 lost 0 received 0$/,
      );
    } finally {
      await fleet.stop();
    }
  });

  it('is reproducible with a seed', async () => {
    const run = async (prefix: string) => {
      await runFleet({
        transport: { kind: 'udp', gateway: gateway.address },
        fleets: [
          { sensors: 2, qos: 0, count: 3, interval: 0.02, batteryEvery: 0, ramp: 0.05, idPrefix: prefix },
        ],
        seed: 42,
      });
      await until(
        () => gateway.published.filter((p) => p.clientId.startsWith(prefix)).length === 6,
        'readings',
      );
      return gateway.published
        .filter((p) => p.clientId.startsWith(prefix))
        .map((p) => `${p.clientId.slice(prefix.length)} ${p.payload.replace(/"v":[\d.]+/, '')}`)
        .sort();
    };
    expect(await run('a-')).toEqual(await run('b-'));
  });
});
