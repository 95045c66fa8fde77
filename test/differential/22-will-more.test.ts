/**
 * 22 more will cases against mosquitto: a client closed by the broker for a protocol error loses
 * its connection without DISCONNECT, so its will goes out [MQTT-3.1.2-8]; will QoS is capped by
 * the subscription; a v5 will's message expiry passes through.
 */
import { describe, it } from 'vitest';
import { approximateExpiry } from './helpers/normalise.js';
import { expectSameAsMosquitto } from './helpers/scenario.js';

const isPublish = (p: { cmd: string }) => p.cmd === 'publish';

describe.each([4, 5] as const)('22 will, MQTT %i', (version) => {
  it('22-01 closed for a protocol error (QoS 3 PUBLISH): the will is published', async () => {
    await expectSameAsMosquitto(async (run) => {
      const w = await run.connect('watch', { version, clientId: 'watch' });
      await w.subscribe([{ topic: 'will/#', qos: 1 }]);
      const c = await run.connect('c', {
        version,
        clientId: 'c',
        will: { topic: 'will/c', payload: 'broken', qos: 2 },
      });
      const body = version === 5 ? [0, 1, 0x61, 0, 1, 0, 0x78] : [0, 1, 0x61, 0, 1, 0x78];
      c.send(Buffer.from([0x36, body.length, ...body]));
      await c.waitClosed();
      await w.waitFor('will', isPublish);
      await run.sync();
    });
  });
});

describe('22 will, MQTT 5 only', () => {
  it('22-02 will message expiry and user properties pass through; QoS capped by the subscription', async () => {
    await expectSameAsMosquitto(
      async (run) => {
        const w = await run.connect('watch', { version: 5, clientId: 'watch' });
        await w.subscribe([{ topic: 'will/#', qos: 0 }]);
        const c = await run.connect('c', {
          version: 5,
          clientId: 'c',
          will: {
            topic: 'will/c',
            payload: 'gone',
            qos: 2,
            retain: true,
            properties: { messageExpiryInterval: 600, userProperties: { why: 'test' } },
          },
        });
        await c.drop();
        await w.waitFor('will', isPublish);
        const late = await run.connect('late', { version: 5, clientId: 'late' });
        await late.subscribe([{ topic: 'will/#', qos: 2 }]);
        await run.sync();
      },
      { mapLine: approximateExpiry([600]) },
    );
  });
});
