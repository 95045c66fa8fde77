/**
 * 04 retain: set, replace, clear with an empty payload, delivered on subscribe with RETAIN set,
 * normal deliveries without it [MQTT-3.3.1-5] [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-12].
 */
import { describe, expect, it } from 'vitest';
import { collect, endAll, mqttjs } from '../../helpers/mqtt/mqttjs.js';
import { brokerForEachTest } from '../../helpers/mqtt/raw-broker.js';

const t = brokerForEachTest();
async function connected(version: 4 | 5, clientId: string, extra: Record<string, unknown> = {}) {
  return (await t.connected(version, clientId, extra)).client;
}

describe.each([4, 5] as const)('04 retain, protocol %i', (v) => {
  it('04-01 set, replace and clear a retained message', async () => {
    const pub = await connected(v, `rp${v}`);
    const send = (payload: string, id: number) =>
      pub.send({
        cmd: 'publish',
        topic: 'r/t',
        payload: Buffer.from(payload),
        qos: 1,
        retain: true,
        dup: false,
        messageId: id,
      });
    send('first', 1);
    await pub.expect('puback');
    send('second', 2);
    await pub.expect('puback');

    const sub = await connected(v, `rs${v}`);
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/#', qos: 0 }] });
    await sub.expect('suback');
    const retained = await sub.expect('publish');
    expect(retained).toMatchObject({ topic: 'r/t', retain: true });
    expect(retained.payload.toString()).toBe('second');

    // A live delivery to an existing subscription has RETAIN cleared [MQTT-3.3.1-9].
    send('third', 3);
    await pub.expect('puback');
    const live = await sub.expect('publish');
    expect(live.retain).toBe(false);
    expect(live.payload.toString()).toBe('third');

    // Empty payload clears it [MQTT-3.3.1-10].
    send('', 4);
    await pub.expect('puback');
    await sub.expect('publish');
    const late = await connected(v, `rl${v}`);
    late.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/#', qos: 0 }] });
    await late.expect('suback');
    await late.expectSilence(200);
  });

  it('04-02 MQTT.js sees the retained flag on subscribe', async () => {
    const pub = await mqttjs(t.port, { protocolVersion: v });
    await pub.publishAsync('kept', 'value', { qos: 1, retain: true });
    const sub = await mqttjs(t.port, { protocolVersion: v });
    try {
      const got = collect(sub, 1);
      await sub.subscribeAsync('kept', { qos: 1 });
      expect(await got).toEqual([{ topic: 'kept', payload: 'value', retain: true, qos: 1 }]);
    } finally {
      await endAll(pub, sub);
    }
  });
});

describe('04 retain unavailable', () => {
  it('04-03 retain while Retain Available is false: v5 DISCONNECT 0x9A', async () => {
    await t.close();
    await t.start({ retainAvailable: false }, { retainAvailable: false });
    const pub = await connected(5, 'noretain');
    pub.send({ cmd: 'publish', topic: 'x', payload: Buffer.from('y'), qos: 0, retain: true, dup: false });
    expect((await pub.expect('disconnect')).reasonCode).toBe(0x9a);
    await pub.expectClosed();
  });
});
