/**
 * 25 real MQTT.js clients against mosquitto and us: a v5 publisher that assigns topic aliases
 * by itself (autoAssignTopicAlias, as apps do to save bytes) and a 3.1.1 publisher with QoS 2;
 * the scripted subscriber's transcript must be the same on both brokers.
 */
import mqtt from 'mqtt';
import { describe, it } from 'vitest';
import { expectSameAsMosquitto } from './helpers/scenario.js';

describe('25 MQTT.js publishers', () => {
  it('25-01 v5 auto-assigned topic aliases and 3.1.1 QoS 2 from MQTT.js', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', { version: 5, clientId: 's' });
      await s.subscribe([{ topic: 'js/#', qos: 2 }]);
      const options = { reconnectPeriod: 0, connectTimeout: 3000 } as const;
      const v5 = await mqtt.connectAsync(`mqtt://127.0.0.1:${run.port}`, {
        ...options,
        clientId: 'js5',
        protocolVersion: 5,
        autoAssignTopicAlias: true,
      });
      const v4 = await mqtt.connectAsync(`mqtt://127.0.0.1:${run.port}`, { ...options, clientId: 'js4' });
      try {
        for (let i = 0; i < 3; i++) await v5.publishAsync('js/aliased/topic', `v5 ${i}`, { qos: 1 });
        for (let i = 0; i < 2; i++) await v4.publishAsync('js/four', `v4 ${i}`, { qos: 2 });
        await run.sync();
      } finally {
        await Promise.all([v5.endAsync(true), v4.endAsync(true)]);
      }
    });
  });
});
