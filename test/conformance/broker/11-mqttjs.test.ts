/**
 * 11 the same items through a real client library (MQTT.js 5), 3.1.1 and v5: assigned client
 * identifier, takeover (v5 DISCONNECT 0x8E) with the old connection's will, will on a lost
 * connection and not after DISCONNECT, offline queue with session present (QoS 0 not queued),
 * wildcards and UNSUBSCRIBE, v5 topic aliases both ways and pass-through properties.
 */
import type { IPublishPacket } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../helpers/mqtt/harness.js';
import { collect, endAll, mqttjs, mqttjsWithConnack, waitForMessages } from '../../helpers/mqtt/mqttjs.js';

let t: TestBroker;
const clients: Array<Awaited<ReturnType<typeof mqttjs>>> = [];
async function js(options: Parameters<typeof mqttjs>[1]) {
  const c = await mqttjs(t.port, options);
  clients.push(c);
  return c;
}
/** Resolves with the next full PUBLISH packet the client receives. */
function nextPacket(c: Awaited<ReturnType<typeof mqttjs>>, ms = 3000): Promise<IPublishPacket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message within ${ms} ms`)), ms);
    c.once('message', (_topic, _payload, packet) => {
      clearTimeout(timer);
      resolve(packet);
    });
  });
}

beforeEach(async () => {
  t = await startTestBroker({ topicAliasMaximum: 4 });
});
afterEach(async () => {
  await endAll(...clients.splice(0));
  await t.close();
});

describe.each([4, 5] as const)('11 MQTT.js, protocol %i', (v) => {
  it('11-01 an empty client id is assigned (v5: Assigned Client Identifier) and usable', async () => {
    const { client, connack } = await mqttjsWithConnack(t.port, { protocolVersion: v, clientId: '' });
    clients.push(client);
    expect(connack.returnCode ?? connack.reasonCode).toBe(0);
    if (v === 5) expect(connack.properties?.assignedClientIdentifier).toMatch(/^auto-/);
    await client.subscribeAsync('assigned/echo', { qos: 1 });
    const got = collect(client, 1);
    await client.publishAsync('assigned/echo', 'me', { qos: 1 });
    expect((await got)[0]?.payload).toBe('me');
  });

  it('11-02 takeover: the old client is closed (v5: DISCONNECT 0x8E) and its will is published', async () => {
    const watcher = await js({ protocolVersion: v, clientId: `tw${v}` });
    await watcher.subscribeAsync('will/#', { qos: 1 });
    const old = await js({
      protocolVersion: v,
      clientId: `dup${v}`,
      will: { topic: `will/dup${v}`, payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    const disconnect = new Promise<number | undefined>((resolve) =>
      old.once('disconnect', (p) => resolve(p.reasonCode)),
    );
    const closed = new Promise<void>((resolve) => old.once('close', () => resolve()));
    const wills = collect(watcher, 1);
    await js({ protocolVersion: v, clientId: `dup${v}` });
    await closed;
    if (v === 5) expect(await disconnect).toBe(0x8e);
    expect(await wills).toEqual([{ topic: `will/dup${v}`, payload: 'gone', retain: false, qos: 1 }]);
  });

  it('11-03 will: published when the connection is lost, not after end() (DISCONNECT)', async () => {
    const watcher = await js({ protocolVersion: v, clientId: `ww${v}` });
    await watcher.subscribeAsync('will/#', { qos: 1 });
    const will = (name: string) => ({
      topic: `will/${name}`,
      payload: Buffer.from(name),
      qos: 1 as const,
      retain: false,
    });
    const polite = await mqttjs(t.port, {
      protocolVersion: v,
      clientId: `polite${v}`,
      will: will(`polite${v}`),
    });
    await polite.endAsync();
    const rude = await mqttjs(t.port, { protocolVersion: v, clientId: `rude${v}`, will: will(`rude${v}`) });
    const got = collect(watcher, 1);
    rude.stream.destroy();
    expect((await got)[0]?.topic).toBe(`will/rude${v}`); // the only will that came
    await rude.endAsync(true);
  });

  it('11-04 offline persistent session: QoS 1 and 2 queued, QoS 0 not; session present on return', async () => {
    const session =
      v === 5
        ? { protocolVersion: v, clientId: `off${v}`, clean: false, properties: { sessionExpiryInterval: 60 } }
        : { protocolVersion: v, clientId: `off${v}`, clean: false };
    const sub = await mqttjs(t.port, session);
    await sub.subscribeAsync('off/#', { qos: 2 });
    await sub.endAsync();
    const pub = await js({ protocolVersion: v, clientId: `offp${v}` });
    await pub.publishAsync('off/0', 'zero', { qos: 0 });
    await pub.publishAsync('off/1', 'one', { qos: 1 });
    await pub.publishAsync('off/2', 'two', { qos: 2 });
    const { client: back, connack, received } = await mqttjsWithConnack(t.port, session);
    clients.push(back);
    expect(connack.sessionPresent).toBe(true);
    await back.subscribeAsync('offmarker', { qos: 1 });
    await back.publishAsync('offmarker', 'end', { qos: 1 }); // after the queue, on the same connection
    await waitForMessages(received, 3);
    expect(received.map((m) => [m.topic, m.qos])).toEqual([
      ['off/1', 1],
      ['off/2', 2],
      ['offmarker', 1],
    ]);
  });

  it('11-05 + and # subscriptions, then UNSUBSCRIBE stops them', async () => {
    const sub = await js({ protocolVersion: v, clientId: `wc${v}` });
    await sub.subscribeAsync(['home/+/temp', 'office/#'], { qos: 1 });
    const pub = await js({ protocolVersion: v, clientId: `wcp${v}` });
    const got = collect(sub, 3);
    for (const topic of ['home/kitchen/temp', 'home/kitchen/hum', 'office', 'office/a/b'])
      await pub.publishAsync(topic, topic, { qos: 1 });
    await pub.publishAsync('home/hall/temp', 'last', { qos: 1 });
    expect((await got).map((m) => m.topic)).toEqual(['home/kitchen/temp', 'office', 'office/a/b']);
    await sub.unsubscribeAsync(['home/+/temp', 'office/#']);
    await sub.subscribeAsync('marker', { qos: 1 });
    const after = collect(sub, 1);
    await pub.publishAsync('office/x', 'no', { qos: 1 });
    await pub.publishAsync('marker', 'yes', { qos: 1 });
    expect((await after)[0]?.topic).toBe('marker');
  });
});

describe('11 MQTT.js, v5 only', () => {
  it('11-06 topic aliases both ways: MQTT.js assigns them on publish, resolves ours on receive', async () => {
    const sub = await js({ protocolVersion: 5, clientId: 'alias-sub', properties: { topicAliasMaximum: 2 } });
    await sub.subscribeAsync('alias/#', { qos: 0 });
    const pub = await js({ protocolVersion: 5, clientId: 'alias-pub', autoAssignTopicAlias: true });
    const topics = ['alias/a', 'alias/a', 'alias/b', 'alias/a', 'alias/c', 'alias/c'];
    const got: IPublishPacket[] = [];
    const all = new Promise<void>((resolve) =>
      sub.on('message', (_topic, _payload, packet) => {
        got.push({ ...packet });
        if (got.length === topics.length) resolve();
      }),
    );
    for (const topic of topics) await pub.publishAsync(topic, topic, { qos: 0 });
    await all;
    expect(got.map((p) => p.payload.toString())).toEqual(topics);
    // The broker used its aliases: some deliveries came with an alias and an empty topic on the wire.
    expect(got.some((p) => p.properties?.topicAlias !== undefined)).toBe(true);
    expect(got.every((p) => (p.properties?.topicAlias ?? 0) <= 2)).toBe(true);
  });

  it('11-07 user properties, response topic, correlation data, content type, payload format, message expiry', async () => {
    const sub = await js({ protocolVersion: 5, clientId: 'props-sub' });
    await sub.subscribeAsync('req', { qos: 1 });
    const pub = await js({ protocolVersion: 5, clientId: 'props-pub' });
    const next = nextPacket(sub);
    await pub.publishAsync('req', '{"x":1}', {
      qos: 1,
      properties: {
        payloadFormatIndicator: true,
        messageExpiryInterval: 120,
        contentType: 'application/json',
        responseTopic: 'reply/props-pub',
        correlationData: Buffer.from('corr-1'),
        userProperties: { origin: 'test', tag: ['a', 'b'] },
      },
    });
    const got = await next;
    expect(got.properties).toMatchObject({
      payloadFormatIndicator: true,
      contentType: 'application/json',
      responseTopic: 'reply/props-pub',
      correlationData: Buffer.from('corr-1'),
      userProperties: { origin: 'test', tag: ['a', 'b'] },
    });
    expect(got.properties?.messageExpiryInterval).toBeGreaterThan(0);
    expect(got.properties?.messageExpiryInterval).toBeLessThanOrEqual(120);
  });
});
