/**
 * 09 UNSUBSCRIBE against mosquitto: UNSUBACK (v5 reason codes 0x00 Success / 0x11 No subscription
 * existed, MQTT 5 §3.11.2.2), and that nothing arrives afterwards.
 */
import { describe, it } from 'vitest';
import { expectSameAsMosquitto } from './helpers/scenario.js';

describe.each([3, 4, 5] as const)('09 unsubscribe, MQTT %i', (version) => {
  it('09-01 existing and missing filters, wildcards, then no more deliveries', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', { version, clientId: 's' });
      await s.subscribe([
        { topic: 'u/a', qos: 1 },
        { topic: 'u/+', qos: 1 },
      ]);
      await s.unsubscribe(['u/a', 'u/b', 'u/+', 'u/#']);
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('u/a', 'after unsubscribe', { qos: 1 });
      await run.sync();
    });
  });
});
