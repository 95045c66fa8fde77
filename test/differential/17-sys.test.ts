/**
 * 17 `$SYS/broker/...` against mosquitto 2.0.11 (sys_interval 10, its default): the same topics,
 * in the same order, retained, with the same v5 properties (message expiry 60 s on all but
 * `version`). Values differ by nature (version string, heap, counts of mosquitto's own stored
 * messages), so every payload is compared as "<value>".
 */
import { describe, it } from 'vitest';
import { approximateExpiry } from './helpers/normalise.js';
import { expectSameAsMosquitto } from './helpers/scenario.js';

const expiry = approximateExpiry([60]);
const valueBlind = (line: string): string =>
  expiry(line).replace(/^(publish \S+(?: \S+)*?) ".*?" /, '$1 "<value>" ');

describe.each([4, 5] as const)('17 $SYS, MQTT %i', (version) => {
  it('17-01 a $SYS/# subscriber right after start gets mosquitto topics, order and flags', async () => {
    await expectSameAsMosquitto(
      async (run) => {
        const s = await run.connect('s', { version, clientId: 's' });
        await s.subscribe([{ topic: '$SYS/#', qos: 0 }]);
        await run.sync();
      },
      { ours: [{ sysInterval: 10, version: 'mqttsn-gateway test' }], mapLine: valueBlind },
    );
  });
});
