/**
 * 24 MQTT 5 payload format indicator against mosquitto: a PUBLISH that says its payload is UTF-8
 * (indicator 1) but is not MAY be refused (0x99 Payload format invalid, MQTT 5 §3.3.2.3.2);
 * mosquitto 2.0.11 does not check, and neither do we. Also a will declared UTF-8 that is not.
 */
import { describe, it } from 'vitest';
import { expectSameAsMosquitto } from './helpers/scenario.js';

const notUtf8 = Buffer.from([0x61, 0xff, 0xfe, 0x62]);

describe('24 payload format indicator, MQTT 5', () => {
  it('24-01 indicator 1 with invalid UTF-8, at QoS 0, 1 and 2; indicator 0 with the same bytes', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', { version: 5, clientId: 's' });
      await s.subscribe([{ topic: 'f/#', qos: 2 }]);
      const pub = await run.connect('pub', { version: 5, clientId: 'pub' });
      await pub.publish('f/binary', notUtf8, { qos: 1, properties: { payloadFormatIndicator: false } });
      await pub.publish('f/text1', notUtf8, { qos: 1, properties: { payloadFormatIndicator: true } });
      await pub.publish('f/text2', notUtf8, { qos: 2, properties: { payloadFormatIndicator: true } });
      await pub.publish('f/text0', notUtf8, { qos: 0, properties: { payloadFormatIndicator: true } });
      await run.sync();
    });
  });

  it('24-02 a will declared UTF-8 that is not', async () => {
    await expectSameAsMosquitto(async (run) => {
      const c = await run.open('c', { version: 5, clientId: 'c' });
      c.send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 5,
        clientId: 'c',
        clean: true,
        keepalive: 60,
        will: {
          topic: 'w',
          payload: notUtf8,
          qos: 0,
          retain: false,
          properties: { payloadFormatIndicator: true },
        },
      });
      await c.waitFor('connack', (p) => p.cmd === 'connack');
      await c.ping();
    });
  });
});
