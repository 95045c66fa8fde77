/**
 * 11 MQTT 5 message expiry against mosquitto: a queued message that expires while its
 * subscriber is offline is not delivered; one still valid is delivered with the remaining
 * interval (MQTT 5 §3.3.2.3.3); retained messages expire too.
 */
import { describe, it } from 'vitest';
import { approximateExpiry } from './helpers/normalise.js';
import { expectSameAsMosquitto } from './helpers/scenario.js';

const version = 5;
const persistent = {
  version,
  clientId: 's',
  clean: false,
  properties: { sessionExpiryInterval: 300 },
} as const;

describe('11 message expiry, MQTT 5', () => {
  it('11-01 expired while offline: dropped; unexpired: delivered with the interval left', async () => {
    await expectSameAsMosquitto(
      async (run) => {
        const s = await run.connect('s', persistent);
        await s.subscribe([{ topic: 'e/#', qos: 1 }]);
        await s.disconnect();
        const pub = await run.connect('pub', { version, clientId: 'pub' });
        await pub.publish('e/short', 'expires', { qos: 1, properties: { messageExpiryInterval: 1 } });
        await pub.publish('e/long', 'lives', { qos: 1, properties: { messageExpiryInterval: 1000 } });
        await pub.publish('e/r', 'retained, expires', {
          qos: 1,
          retain: true,
          properties: { messageExpiryInterval: 1 },
        });
        await pub.publish('e/none', 'no expiry', { qos: 1 });
        await run.sleep(2100);
        const back = await run.connect('s', persistent);
        await run.sync();
        await back.subscribe([{ topic: 'e/r', qos: 1 }]);
        await run.sync();
      },
      { mapLine: approximateExpiry([1000]) },
    );
  });
});
