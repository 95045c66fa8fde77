/**
 * A client's own predefined topics shadow the global ones with the same id, in both directions
 * (MQTT-SN §6.7, §5.3.11): with a global `1 = sensors/status` and sensor-7's own
 * `1 = sensors/7/cmd`, id 1 means sensors/7/cmd to sensor-7, so the gateway must never send it
 * sensors/status as predefined id 1 — that topic is REGISTERed / subscribed normally instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ReturnCode, topicIdFieldValue } from '../../../src/codec/mqttsn/index.js';
import { type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let harness: Harness | undefined;
const clients: SnTestClient[] = [];
const watchers: MqttWatcher[] = [];

async function setUp(): Promise<{ c: SnTestClient; pub: MqttWatcher }> {
  const h = await startHarness({
    gateway: {
      predefinedTopics: new Map([[1, 'sensors/status']]),
      clientPredefinedTopics: new Map([['sensor-7', new Map([[1, 'sensors/7/cmd']])]]),
    },
  });
  harness = h;
  const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused/never');
  watchers.push(pub);
  const c = await SnTestClient.open({ port: h.port });
  clients.push(c);
  await c.connect('sensor-7');
  return { c, pub };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await harness?.close();
  harness = undefined;
});

describe('19 per-client predefined ids shadow global ones (MQTT-SN §6.7)', () => {
  it('a global name whose id the client uses for its own topic gets a normal id in SUBACK and PUBLISH', async () => {
    const { c, pub } = await setUp();
    c.send({
      type: 'SUBSCRIBE',
      dup: false,
      qos: 0,
      msgId: 1,
      topic: { type: 'name', name: 'sensors/status' },
    });
    const suback = await c.expect('SUBACK');
    expect(suback.returnCode).toBe(ReturnCode.ACCEPTED);
    expect(suback.topicId).toBeGreaterThan(1);
    await pub.publish('sensors/status', 'ok');
    const p = await c.expect('PUBLISH');
    expect(p.topic).toEqual({ type: 'normal', id: suback.topicId });
    expect(p.payload.toString()).toBe('ok');
  });

  it('through a wildcard, the global name is REGISTERed; the own id 1 still names the own topic', async () => {
    const { c, pub } = await setUp();
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'name', name: 'sensors/#' } });
    expect(await c.expect('SUBACK')).toMatchObject({ topicId: 0, returnCode: ReturnCode.ACCEPTED });
    await pub.publish('sensors/status', 'ok');
    const register = await c.expect('REGISTER');
    expect(register.topicName).toBe('sensors/status');
    expect(register.topicId).toBeGreaterThan(1);
    c.send({ type: 'REGACK', topicId: register.topicId, msgId: register.msgId, returnCode: 0 });
    const status = await c.expect('PUBLISH');
    expect(status.topic).toEqual({ type: 'normal', id: register.topicId });
    await pub.publish('sensors/7/cmd', 'go');
    const cmd = await c.expect('PUBLISH');
    expect({ id: topicIdFieldValue(cmd.topic), type: cmd.topic.type }).toEqual({ id: 1, type: 'predefined' });
    expect(cmd.payload.toString()).toBe('go');
  });
});
