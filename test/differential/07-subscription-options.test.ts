/**
 * 07 MQTT 5 subscription options against mosquitto: subscription identifiers (single and
 * overlapping), no local, retain as published, retain handling 0/1/2 (MQTT 5 §3.8.3.1).
 */
import { describe, it } from 'vitest';
import { expectSameAsMosquitto } from './helpers/scenario.js';

const version = 5;

describe('07 subscription options, MQTT 5', () => {
  it('07-01 subscription identifiers, overlapping subscriptions with and without ids', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', { version, clientId: 's' });
      await s.subscribe([{ topic: 'i/#', qos: 1 }], { subscriptionIdentifier: 7 });
      await s.subscribe([{ topic: 'i/x', qos: 2 }], { subscriptionIdentifier: 9 });
      await s.subscribe([{ topic: '+/y', qos: 0 }]);
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('i/x', 'both ids', { qos: 2 });
      await pub.publish('i/y', 'id 7 and no id', { qos: 2 });
      await pub.publish('i/z', 'id 7', { qos: 2 });
      await run.sync();
    });
  });

  it('07-02 no local; overlapping with a local subscription', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', { version, clientId: 's' });
      await s.subscribe([{ topic: 'n/a', qos: 1, nl: true }]);
      await s.subscribe([{ topic: 'n/+', qos: 0 }]);
      await s.subscribe([{ topic: 'm/a', qos: 1, nl: true }]);
      await s.publish('n/a', 'own, two filters', { qos: 1 });
      await s.publish('m/a', 'own, no local only', { qos: 1 });
      const other = await run.connect('other', { version, clientId: 'other' });
      await other.publish('m/a', 'from another client', { qos: 1 });
      await run.sync();
    });
  });

  it('07-03 retain as published keeps RETAIN on live deliveries', async () => {
    await expectSameAsMosquitto(async (run) => {
      const rap = await run.connect('rap', { version, clientId: 'rap' });
      await rap.subscribe([{ topic: 'k/#', qos: 1, rap: true }]);
      const plain = await run.connect('plain', { version, clientId: 'plain' });
      await plain.subscribe([{ topic: 'k/#', qos: 1 }]);
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('k/1', 'retained live', { qos: 1, retain: true });
      await pub.publish('k/2', 'not retained', { qos: 1 });
      await run.sync();
      await rap.subscribe([{ topic: 'k/1', qos: 1, rap: false }]);
      await run.sync();
    });
  });

  it('07-04 retain handling 0 (always), 1 (new subscriptions only), 2 (never)', async () => {
    await expectSameAsMosquitto(async (run) => {
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('h/x', 'retained', { qos: 1, retain: true });
      for (const rh of [0, 1, 2] as const) {
        const s = await run.connect(`rh${rh}`, { version, clientId: `rh${rh}` });
        await s.subscribe([{ topic: 'h/#', qos: 1, rh }]);
        await run.sync();
        await s.subscribe([{ topic: 'h/#', qos: 1, rh }]);
        await run.sync();
      }
    });
  });
});
