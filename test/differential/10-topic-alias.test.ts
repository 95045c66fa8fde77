/**
 * 10 MQTT 5 topic aliases against mosquitto: a client sets an alias with topic + alias, then
 * publishes with the alias alone (empty topic); subscribers see the full topic. An alias above
 * the server's Topic Alias Maximum closes the connection (0x94, MQTT 5 §3.3.2.3.4).
 */
import type { IPublishPacket } from 'mqtt-packet';
import { describe, it } from 'vitest';
import { expectSameAsMosquitto } from './helpers/scenario.js';

const version = 5;

/** A raw QoS 0 PUBLISH carrying a Topic Alias (sent as is, for the aliases a client must not use). */
function aliasedPublish(topic: string, topicAlias: number): IPublishPacket {
  return {
    cmd: 'publish',
    topic,
    payload: Buffer.from('x'),
    qos: 0,
    retain: false,
    dup: false,
    properties: { topicAlias },
  };
}

describe('10 topic alias, MQTT 5', () => {
  it('10-01 alias set then used; re-pointed to another topic', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', { version, clientId: 's' });
      await s.subscribe([{ topic: 'a/#', qos: 1 }]);
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('a/one', 'set', { qos: 1, properties: { topicAlias: 1 } });
      await pub.publish('', 'by alias', { qos: 1, properties: { topicAlias: 1 } });
      await pub.publish('a/two', 're-pointed', { qos: 1, properties: { topicAlias: 1 } });
      await pub.publish('', 'by alias again', { qos: 1, properties: { topicAlias: 1 } });
      await run.sync();
    });
  });

  it('10-02 unknown alias with an empty topic: protocol error', async () => {
    await expectSameAsMosquitto(async (run) => {
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      pub.send(aliasedPublish('', 3));
      await pub.waitClosed();
    });
  });

  it('10-03 alias 0 and an alias above the maximum', async () => {
    await expectSameAsMosquitto(async (run) => {
      const zero = await run.connect('zero', { version, clientId: 'zero' });
      zero.send(aliasedPublish('a/b', 0));
      await zero.waitClosed();
      const big = await run.connect('big', { version, clientId: 'big' });
      big.send(aliasedPublish('a/b', 1000));
      await big.waitClosed();
    });
  });
});
