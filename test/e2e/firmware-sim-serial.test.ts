/**
 * Issue 6 "Done when", over serial: firmware-sim on one end of a socat pty pair, the real app's
 * serial transport on the other, for each framing — raw (one sensor plainly, several through
 * forwarder encapsulation, §5.5) and XBee API mode 1 and 2 (several radios, one 64-bit address
 * each). The summary is checked against what an MQTT.js subscriber received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFleet, startFleet } from '../../firmware-sim/index.js';
import type { SerialFraming } from '../../firmware-sim/links/serial.js';
import { createLogger, silentLogger } from '../../src/observe/logger.js';
import {
  readingKeys,
  runSimCli,
  type SimGateway,
  startSimGateway,
  until,
  watch as watchOn,
} from '../helpers/firmware-sim.js';
import { createSocatPair, type SocatPair } from '../helpers/socat.js';

const LINES: ReadonlyArray<{ name: string; framing: SerialFraming; sensors: number }> = [
  { name: 'raw-one', framing: 'raw', sensors: 1 },
  { name: 'raw-forwarder', framing: 'raw', sensors: 3 },
  { name: 'xbee1', framing: 'xbee-api1', sensors: 3 },
  { name: 'xbee2', framing: 'xbee-api2', sensors: 4 },
];

let gw: SimGateway | undefined;
const pairs = new Map<string, SocatPair>();

beforeAll(async () => {
  for (const line of LINES) pairs.set(line.name, await createSocatPair());
  const serialLines = LINES.map(
    (line) => `serial ${pairs.get(line.name)!.a} baud=115200 framing=${line.framing}`,
  );
  gw = await startSimGateway('firmware-sim-serial', {
    lines: ['t_retry 0.5', ...serialLines],
    logger: process.env.SIM_DEBUG ? createLogger('debug') : silentLogger,
  });
}, 20_000);

afterAll(async () => {
  await gw?.close();
  await Promise.all([...pairs.values()].map((pair) => pair.dispose()));
});

/** A subscriber on `filter`; its `keys()` are the "clientId#seq" of the readings it got. */
async function watch(filter: string) {
  const sub = await watchOn(gw!.mqttPort, filter);
  return { ...sub, keys: () => readingKeys(sub.seen) };
}

describe('firmware-sim against the gateway over a socat serial line', () => {
  it.each(LINES)(
    '$framing with $sensors sensor(s): the subscriber gets every acknowledged reading',
    async (line) => {
      const prefix = `${line.name}-`;
      const sub = await watch(`sensors/+/temperature`);
      try {
        const summary = await runFleet({
          transport: { kind: 'serial', path: pairs.get(line.name)!.b, framing: line.framing },
          fleets: [
            {
              sensors: line.sensors,
              qos: 1,
              count: 3,
              interval: 0.05,
              batteryEvery: 0,
              tRetry: 0.5,
              ramp: 0.1,
              idPrefix: prefix,
            },
          ],
        });
        expect(summary.totals).toMatchObject({
          sent: line.sensors * 3,
          acknowledged: line.sensors * 3,
          lost: 0,
        });
        expect(summary.states).toEqual({ stopped: line.sensors });
        await until(() => sub.seen.length >= line.sensors * 3, 'the readings');
        const expected: string[] = [];
        for (let s = 1; s <= line.sensors; s++)
          for (let n = 1; n <= 3; n++) expected.push(`${prefix}${s}#${n}`);
        expect(sub.keys().sort()).toEqual(expected.sort());
      } finally {
        await sub.client.endAsync();
      }
    },
  );

  it('the CLI: --serial DEVICE --framing xbee-api1, summary matching the subscriber', async () => {
    const sub = await watch('sensors/+/temperature');
    try {
      const args = [
        '--serial',
        pairs.get('xbee1')!.b,
        '--framing',
        'xbee-api1',
        '--sensors',
        '2',
        '--count',
        '3',
      ];
      args.push('--interval', '0.05', '--battery-every', '0', '--t-retry', '0.5', '--ramp', '0.1');
      args.push('--id-prefix', 'clix-', '--json', '--quiet');
      const summary = await runSimCli(args);
      expect(summary.transport).toContain('xbee-api1');
      expect(summary.totals).toMatchObject({ sent: 6, acknowledged: 6, lost: 0 });
      await until(() => sub.keys().filter((k) => k.startsWith('clix-')).length >= 6, 'the readings');
      expect(
        sub
          .keys()
          .filter((k) => k.startsWith('clix-'))
          .sort(),
      ).toEqual(['clix-1#1', 'clix-1#2', 'clix-1#3', 'clix-2#1', 'clix-2#2', 'clix-2#3']);
    } finally {
      await sub.client.endAsync();
    }
  });

  it('an XBee sensor takes a command from its command topic', async () => {
    const sub = await watch('sensors/xcmd-2/temperature');
    const fleet = await startFleet({
      transport: { kind: 'serial', path: pairs.get('xbee2')!.b, framing: 'xbee-api2' },
      fleets: [
        { sensors: 2, qos: 1, interval: 3600, batteryEvery: 0, tRetry: 0.5, ramp: 0, idPrefix: 'xcmd-' },
      ],
    });
    try {
      await until(
        () => sub.seen.length === 1 && fleet.sensor('xcmd-2')?.state.kind === 'active',
        'first reading',
      );
      await sub.client.publishAsync('sensors/xcmd-2/cmd', 'interval=0.1', { qos: 1 });
      await until(() => sub.seen.length >= 4, 'readings at the new interval');
    } finally {
      await sub.client.endAsync();
      const summary = await fleet.stop();
      expect(summary.totals.commands).toBe(1);
    }
  });
});
