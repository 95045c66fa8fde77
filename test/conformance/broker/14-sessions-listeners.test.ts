/**
 * 14 several listeners onto one broker, clean session / clean start discarding a stored session
 * [MQTT-3.1.2-6] [MQTT-3.1.2-4], and an outgoing QoS 2 PUBLISH re-sent with DUP after a reconnect
 * when no PUBREC came [MQTT-4.4.0-1].
 */
import { describe, expect, it } from 'vitest';
import { createBroker } from '../../../src/broker/index.js';
import type { BrokerApi } from '../../../src/broker/types.js';
import { type MqttListener, startMqttListener } from '../../../src/mqtt/listener.js';
import { createLogger } from '../../../src/observe/logger.js';
import { brokerStartedByEachTest, persistent, publish } from '../../helpers/mqtt/raw-broker.js';

const t = brokerStartedByEachTest();
const connected = t.connected.bind(t);

describe('14 several listeners', () => {
  it('14-01 two TCP listeners share one broker: 3.1 / 3.1.1 / v5 clients on either see each other', async () => {
    const logger = createLogger('warn', () => {});
    const broker: BrokerApi = createBroker({ sysInterval: 0 }, { logger });
    const listeners: MqttListener[] = [];
    try {
      for (let i = 0; i < 2; i++)
        listeners.push(await startMqttListener({ port: 0, host: '127.0.0.1' }, broker, {}, logger));
      const [a, b] = listeners.map((l) => l.port) as [number, number];
      expect(a).not.toBe(b);
      const { client: sub } = await connected(4, 'on-a', {}, a);
      sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'across/#', qos: 1 }] });
      await sub.expect('suback');
      for (const [v, id] of [
        [5, 'v5-on-b'],
        [3, 'v31-on-b'],
      ] as const) {
        const { client: pub } = await connected(v, id, v === 3 ? { protocolId: 'MQIsdp' } : {}, b);
        pub.send(publish(`across/${id}`, id, 1, 1));
        await pub.expect('puback');
        const got = await sub.expect('publish');
        expect(got.topic).toBe(`across/${id}`);
        sub.send({ cmd: 'puback', messageId: got.messageId! });
      }
    } finally {
      t.destroyClients();
      for (const l of listeners) await l.close();
      await broker.close();
    }
  });
});

describe.each([4, 5] as const)('14 sessions, protocol %i', (v) => {
  it('14-02 clean session / clean start 1 discards a stored session: session present 0, subscriptions gone', async () => {
    await t.start();
    const { client } = await connected(v, `cs${v}`, persistent(v));
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'cs', qos: 1 }] });
    await client.expect('suback');
    client.send({ cmd: 'disconnect' });
    await client.expectClosed();
    const fresh = await connected(v, `cs${v}`, { clean: true });
    expect(fresh.connack.sessionPresent).toBe(false);
    const { client: pub } = await connected(v, `csp${v}`);
    pub.send(publish('cs', 'x', 1, 1));
    await pub.expect('puback');
    await fresh.client.expectSilence(200);
  });

  it('14-03 an outgoing QoS 2 PUBLISH not yet PUBREC-ed is re-sent with DUP and the same id after reconnect', async () => {
    await t.start();
    const { client: sub } = await connected(v, `d2${v}`, persistent(v));
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'd2', qos: 2 }] });
    await sub.expect('suback');
    const { client: pub } = await connected(v, `d2p${v}`);
    pub.send(publish('d2', 'twice?', 2, 5));
    await pub.expect('pubrec');
    pub.send({ cmd: 'pubrel', messageId: 5 });
    await pub.expect('pubcomp');
    const first = await sub.expect('publish');
    expect(first).toMatchObject({ qos: 2, dup: false });
    sub.destroy();
    await sub.closed;
    const { client: back } = await connected(v, `d2${v}`, persistent(v));
    const again = await back.expect('publish');
    expect(again).toMatchObject({ topic: 'd2', qos: 2, dup: true, messageId: first.messageId });
    back.send({ cmd: 'pubrec', messageId: again.messageId! });
    expect((await back.expect('pubrel')).messageId).toBe(again.messageId);
    back.send({ cmd: 'pubcomp', messageId: again.messageId! });
    await back.expectSilence(200);
  });
});
