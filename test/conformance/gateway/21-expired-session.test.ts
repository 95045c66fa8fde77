/**
 * CleanSession=0 keeps "all stored client's data" (MQTT-SN §6.3) — as long as there is a session.
 * When the core ended it (BrokerOptions.persistentClientExpiration, gateway.conf
 * persistent_client_expiration), a CleanSession=0, Will=0 reconnect starts from nothing: the old
 * topic ids are unknown and the old will is not armed again (it belonged to the ended session).
 */
import { describe, expect, it } from 'vitest';
import { ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { closeAfterEach } from '../../helpers/mqttsn/close-after-each.js';
import { MqttWatcher, startHarness, waitUntil } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

const bed = closeAfterEach();
const { clients, watchers } = bed;

describe('21 a CleanSession=0 reconnect after the core expired the session (MQTT-SN §6.3)', () => {
  it('old topic ids are unknown and the old will is not armed again', async () => {
    const h = await startHarness({ broker: { sysInterval: 1, persistentClientExpiration: 1 } });
    bed.harness = h;
    const expired = await MqttWatcher.subscribe(h.mqtt.port, '$SYS/broker/clients/expired');
    const wills = await MqttWatcher.subscribe(h.mqtt.port, 'wills/#');
    watchers.push(expired, wills);
    const c = await SnTestClient.open({ port: h.port });
    clients.push(c);

    const will = { topic: 'wills/sn-exp', message: 'old will' };
    expect(await c.connect('sn-exp', { cleanSession: false, will })).toBe(ReturnCode.ACCEPTED);
    const oldId = await c.register('exp/topic');
    c.send({ type: 'DISCONNECT' });
    await c.expect('DISCONNECT');
    await waitUntil(
      () => expired.messages.some((m) => m.payload === '1'),
      8000,
      '$SYS/broker/clients/expired = 1',
    );

    expect(await c.connect('sn-exp', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    c.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: oldId },
      msgId: 5,
      payload: Buffer.from('x'),
    });
    expect(await c.expect('PUBACK')).toMatchObject({
      topicId: oldId,
      returnCode: ReturnCode.INVALID_TOPIC_ID,
    });

    // Lost now (N_retry unanswered PUBLISHes): an armed will would go out here.
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 6, topic: { type: 'name', name: 'exp/lose' } });
    await c.expect('SUBACK');
    await wills.publish('exp/lose', 'unanswered', 1);
    await c.expect('PUBLISH');
    await waitUntil(() => h.logLines.some((l) => l.includes(' lost: ')), 5000, 'the client lost');
    // Same broker, same subscriber: a will published before this marker arrives before it.
    await wills.publish('wills/marker', 'after', 0);
    await wills.waitFor(1);
    expect(wills.messages.map((m) => m.topic)).toEqual(['wills/marker']);
  });
});
