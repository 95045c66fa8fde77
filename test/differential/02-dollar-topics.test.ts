/**
 * 02 `$`-topics against mosquitto: root wildcards (`#`, `+/…`) do not match topics starting
 * with `$` [MQTT-4.7.2-1]; explicit `$…` filters do. `$SYS` values differ by nature (version,
 * uptime, counters), so only the absence of `$SYS` traffic on `#` is compared.
 */
import { describe, it } from 'vitest';
import { expectSameAsMosquitto } from './helpers/scenario.js';

/** See 01-retained: mosquitto's 3.1.1 overlap QoS is the first match (`$x/+`, QoS 0), not the max. */
const overlapQosDeviation = {
  client: 'dollar',
  mosquitto: ['publish $x/x "dollar" qos=0 retain=0 dup=0'],
  ours: ['publish $x/x "dollar" qos=1 retain=0 dup=0 packetId=present'],
  why: 'mosquitto 3.1.1 overlap takes the first matching subscription QoS, not the maximum [MQTT-3.3.5-1]',
};

describe.each([4, 5] as const)('02 $-topics, MQTT %i', (version) => {
  it('02-01 # and +/x do not see $-topics; $x/# and $x/+ do', async () => {
    await expectSameAsMosquitto(
      async (run) => {
        const all = await run.connect('all', { version, clientId: 'all' });
        await all.subscribe([{ topic: '#', qos: 1 }]);
        const plus = await run.connect('plus', { version, clientId: 'plus' });
        await plus.subscribe([{ topic: '+/x', qos: 1 }]);
        const dollar = await run.connect('dollar', { version, clientId: 'dollar' });
        await dollar.subscribe([
          { topic: '$x/#', qos: 1 },
          { topic: '$x/+', qos: 0 },
        ]);
        const pub = await run.connect('pub', { version, clientId: 'pub' });
        await pub.publish('$x/x', 'dollar', { qos: 1 });
        await pub.publish('a/x', 'plain', { qos: 1 });
        await pub.publish('a/$x', 'dollar-inside', { qos: 1 });
        await run.sync();
      },
      { deviations: version === 4 ? [overlapQosDeviation] : [] },
    );
  });

  // mosquitto refuses client publishes under $SYS (v5 PUBACK 0x87, 3.1.1 a plain PUBACK) and
  // delivers nothing; so do we (src/broker/inbound.ts).
  it('02-02 a client publishing under $SYS is refused; # does not see $SYS', async () => {
    await expectSameAsMosquitto(async (run) => {
      const all = await run.connect('all', { version, clientId: 'all' });
      await all.subscribe([{ topic: '#', qos: 0 }]);
      const sys = await run.connect('sys', { version, clientId: 'sys' });
      await sys.subscribe([{ topic: '$SYS/test/#', qos: 0 }]);
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('$SYS/test/x', 'from a client', { qos: 1 });
      await run.sync();
    });
  });
});
