/**
 * 07 will: published when the client is lost (socket closed, keep-alive timeout, protocol error,
 * takeover), not after DISCONNECT; v5 DISCONNECT 0x04, will delay and will properties
 * (MQTT 3.1.1 §3.1.2.5, MQTT 5 §3.1.3.2).
 */
import { describe, expect, it } from 'vitest';
import { brokerForEachTest } from '../../helpers/mqtt/raw-broker.js';
import { RawClient } from '../../helpers/mqtt/raw-client.js';

const t = brokerForEachTest();
async function connected(version: 4 | 5, clientId: string, extra: Record<string, unknown> = {}) {
  return (await t.connected(version, clientId, extra)).client;
}
async function watcher(v: 4 | 5, id: string): Promise<RawClient> {
  const w = await connected(v, id);
  w.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'will/#', qos: 1 }] });
  await w.expect('suback');
  return w;
}
function will(v: 4 | 5, id: string, props: Record<string, unknown> = {}) {
  return {
    will: {
      topic: `will/${id}`,
      payload: Buffer.from(`${id} died`),
      qos: 1,
      retain: false,
      ...(v === 5 ? { properties: props } : {}),
    },
  };
}

describe.each([4, 5] as const)('07 will, protocol %i', (v) => {
  it('07-01 a dropped socket publishes the will', async () => {
    const w = await watcher(v, `w1${v}`);
    const c = await connected(v, `d1${v}`, will(v, `d1${v}`));
    c.destroy();
    const got = await w.expect('publish');
    expect(got.topic).toBe(`will/d1${v}`);
    expect(got.payload.toString()).toBe(`d1${v} died`);
  });

  it('07-02 DISCONNECT discards the will [MQTT-3.14.4-3]', async () => {
    const w = await watcher(v, `w2${v}`);
    const c = await connected(v, `d2${v}`, will(v, `d2${v}`));
    c.send({ cmd: 'disconnect' });
    await c.expectClosed();
    await w.expectSilence(300);
  });

  it('07-03 keep-alive timeout publishes the will', async () => {
    const w = await watcher(v, `w3${v}`);
    await connected(v, `d3${v}`, { keepalive: 1, ...will(v, `d3${v}`) });
    expect((await w.expect('publish', 4000)).topic).toBe(`will/d3${v}`);
  });

  it('07-04 a protocol error publishes the will [MQTT-3.1.2-8]', async () => {
    const w = await watcher(v, `w4${v}`);
    const c = await connected(v, `d4${v}`, will(v, `d4${v}`));
    // PUBLISH QoS 1, topic "+", packet id 1 (v5: empty properties): a wildcard in a topic name.
    c.send(v === 5 ? [0x32, 6, 0, 1, 0x2b, 0, 1, 0] : [0x32, 5, 0, 1, 0x2b, 0, 1]);
    expect((await w.expect('publish')).topic).toBe(`will/d4${v}`);
  });

  it("07-05 a takeover publishes the old connection's will", async () => {
    const w = await watcher(v, `w5${v}`);
    await connected(v, `d5${v}`, will(v, `d5${v}`));
    await connected(v, `d5${v}`);
    expect((await w.expect('publish')).topic).toBe(`will/d5${v}`);
  });

  it('07-06 a will topic with a wildcard is refused', async () => {
    const c = await RawClient.open(t.port, v);
    t.keep(c);
    c.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: v,
      clientId: `bad${v}`,
      clean: true,
      keepalive: 60,
      will: { topic: 'will/#', payload: Buffer.from('x'), qos: 0, retain: false },
    });
    if (v === 5) expect((await c.expect('connack')).reasonCode).toBe(0x82);
    await c.expectClosed();
  });
});

describe('07 will, v5', () => {
  it('07-07 DISCONNECT with reason 0x04 publishes the will, with its properties', async () => {
    const w = await watcher(5, 'w7');
    const c = await connected(
      5,
      'd7',
      will(5, 'd7', { contentType: 'text/plain', userProperties: { a: 'b' } }),
    );
    c.send({ cmd: 'disconnect', reasonCode: 0x04 });
    const got = await w.expect('publish');
    expect(got.topic).toBe('will/d7');
    expect(got.properties).toMatchObject({ contentType: 'text/plain', userProperties: { a: 'b' } });
  });

  it('07-08 will delay: reconnecting within the delay cancels the will', async () => {
    const w = await watcher(5, 'w8');
    const session = { clean: false, properties: { sessionExpiryInterval: 60 } };
    const c = await connected(5, 'd8', { ...session, ...will(5, 'd8', { willDelayInterval: 2 }) });
    c.destroy();
    await c.closed;
    await connected(5, 'd8', session);
    await w.expectSilence(500);
  });

  it('07-09 will delay: the will is published after the delay', async () => {
    const w = await watcher(5, 'w9');
    const c = await connected(5, 'd9', {
      clean: false,
      properties: { sessionExpiryInterval: 60 },
      ...will(5, 'd9', { willDelayInterval: 1 }),
    });
    c.destroy();
    expect((await w.expect('publish', 4000)).topic).toBe('will/d9');
  });
});
