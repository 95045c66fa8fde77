/**
 * 15 MQTT 5 PUBLISH properties against mosquitto: payload format indicator, content type,
 * response topic, correlation data, user properties and message expiry pass through to
 * subscribers (MQTT 5 §3.3.2.3), live and retained; subscription identifiers on retained
 * deliveries; a client may not publish to `$share/…`.
 */
import { describe, it } from 'vitest';
import { approximateExpiry } from './helpers/normalise.js';
import { expectSameAsMosquitto } from './helpers/scenario.js';

const version = 5;
const properties = {
  payloadFormatIndicator: true,
  contentType: 'application/json',
  responseTopic: 'reply/here',
  correlationData: Buffer.from([1, 2, 3]),
  userProperties: { a: '1', b: ['2', '3'] },
  messageExpiryInterval: 3600,
};

describe('15 publish properties, MQTT 5', () => {
  it('15-01 properties pass through live and on a retained delivery (with the subscription id)', async () => {
    await expectSameAsMosquitto(
      async (run) => {
        const s = await run.connect('s', { version, clientId: 's' });
        await s.subscribe([{ topic: 'p/#', qos: 2 }]);
        const pub = await run.connect('pub', { version, clientId: 'pub' });
        await pub.publish('p/live', '{"v":1}', { qos: 1, properties });
        await pub.publish('p/kept', '{"v":2}', { qos: 2, retain: true, properties });
        await run.sync();
        const late = await run.connect('late', { version, clientId: 'late' });
        await late.subscribe([{ topic: 'p/+', qos: 1 }], {
          subscriptionIdentifier: 42,
          userProperties: { s: 'x' },
        });
        await run.sync();
      },
      { mapLine: approximateExpiry([3600]) },
    );
  });

  it('15-02 publishing to $share/… is refused (PUBACK 0x87), as mosquitto does', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', { version, clientId: 's' });
      await s.subscribe([{ topic: '$share/g/t', qos: 1 }]);
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('$share/g/t', 'not a topic', { qos: 1 });
      await run.sync();
    });
  });

  it('15-03 no local on a shared subscription: accepted (mosquitto 2.0.11 does not enforce [MQTT-3.8.3-4])', async () => {
    await expectSameAsMosquitto(async (run) => {
      const a = await run.connect('a', { version, clientId: 'a' });
      await a.subscribe([{ topic: '$share/g/t', qos: 1, nl: true }]);
      await run.sync();
    });
  });

  it('15-04 subscription identifier 0', async () => {
    await expectSameAsMosquitto(async (run) => {
      const b = await run.connect('b', { version, clientId: 'b' });
      await b.subscribe([{ topic: 't', qos: 1 }], { subscriptionIdentifier: 0 });
      await b.waitClosed();
    });
  });
});
