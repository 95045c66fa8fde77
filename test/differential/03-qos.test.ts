/**
 * 03 QoS against mosquitto: a delivery's QoS is min(published QoS, subscription QoS)
 * [MQTT-3.8.4-6 / MQTT 5 §3.8.4], with the full acknowledgement flows on both sides.
 */
import type { IPublishPacket } from 'mqtt-packet';
import { describe, it } from 'vitest';
import type { QoS } from './helpers/client.js';
import { expectSameAsMosquitto } from './helpers/scenario.js';

const LEVELS: QoS[] = [0, 1, 2];

/** The QoS 2 PUBLISH of 03-02 (packet id 7): sent first without, then again with DUP. */
function qos2Publish({ dup }: { dup: boolean }): IPublishPacket {
  return {
    cmd: 'publish',
    topic: 'd/1',
    payload: Buffer.from('once'),
    qos: 2,
    messageId: 7,
    retain: false,
    dup,
  };
}

describe.each([3, 4, 5] as const)('03 QoS downgrade, MQTT %i', (version) => {
  it('03-01 every published QoS × every subscription QoS', async () => {
    await expectSameAsMosquitto(async (run) => {
      for (const sq of LEVELS) {
        const sub = await run.connect(`sub${sq}`, { version, clientId: `sub${sq}` });
        await sub.subscribe([{ topic: 'q/#', qos: sq }]);
      }
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      for (const pq of LEVELS) await pub.publish(`q/${pq}`, `published at ${pq}`, { qos: pq });
      await run.sync();
    });
  });

  it('03-02 QoS 2 PUBLISH resent with DUP before PUBREL is delivered once', async () => {
    await expectSameAsMosquitto(async (run) => {
      const sub = await run.connect('sub', { version, clientId: 'sub' });
      await sub.subscribe([{ topic: 'd/#', qos: 2 }]);
      const pub = await run.connect('pub', { version, clientId: 'pub', autoAck: false });
      pub.send(qos2Publish({ dup: false }));
      await pub.waitFor('pubrec', (p) => p.cmd === 'pubrec');
      pub.send(qos2Publish({ dup: true }));
      await pub.waitFor('pubrec', (p) => p.cmd === 'pubrec');
      pub.send({ cmd: 'pubrel', messageId: 7 });
      await pub.waitFor('pubcomp', (p) => p.cmd === 'pubcomp');
      await run.sync();
    });
  });
});
