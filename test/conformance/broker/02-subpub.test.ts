/**
 * 02 subscribe/publish: wildcards, $-topics, overlapping and shared subscriptions, UNSUBSCRIBE,
 * SUBACK codes for 3.1.1 and v5 (MQTT 3.1.1 §3.8-3.11, §4.7; MQTT 5 §4.8.2).
 */
import { describe, expect, it } from 'vitest';
import { waitForLog } from '../../helpers/mqtt/harness.js';
import { collect, endAll, mqttjs } from '../../helpers/mqtt/mqttjs.js';
import { brokerForEachTest, publish } from '../../helpers/mqtt/raw-broker.js';

const t = brokerForEachTest();
async function connected(version: 4 | 5, clientId: string) {
  return (await t.connected(version, clientId)).client;
}

describe.each([4, 5] as const)('02 subpub, protocol %i', (v) => {
  it('02-01 + and # match; $-topics are not matched by root wildcards', async () => {
    const sub = await connected(v, `sub${v}`);
    sub.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'a/+/c', qos: 0 },
        { topic: '#', qos: 0 },
      ],
    });
    expect((await sub.expect('suback')).granted).toEqual([0, 0]);
    const pub = await connected(v, `pub${v}`);
    pub.send(publish('$SYS/x', 'no', 0));
    pub.send(publish('a/b/c', 'yes', 0));
    // Overlapping subscriptions: 3.1.1 gets one delivery [MQTT-3.3.5-1]; an MQTT 5 client one
    // per matching subscription, as mosquitto sends them [MQTT-3.3.4-5].
    for (let i = 0; i < (v === 5 ? 2 : 1); i++) {
      const got = await sub.expect('publish');
      expect(got.topic).toBe('a/b/c');
      expect(got.payload.toString()).toBe('yes');
    }
    await sub.expectSilence(200);
  });

  it('02-02 SUBACK grants the requested QoS, one code per filter', async () => {
    const sub = await connected(v, `s2${v}`);
    sub.send({
      cmd: 'subscribe',
      messageId: 7,
      subscriptions: [
        { topic: 'x/#', qos: 2 },
        { topic: 'y/+/z', qos: 1 },
        { topic: 'w', qos: 0 },
      ],
    });
    const suback = await sub.expect('suback');
    expect(suback.messageId).toBe(7);
    expect(suback.granted).toEqual([2, 1, 0]);
  });

  it('02-06 an invalid filter closes the connection (v5 DISCONNECT 0x81), as mosquitto does', async () => {
    for (const filter of ['bad/#/filter', 'a/b+', '']) {
      const sub = await connected(v, `s6${v}`);
      sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 1 }] });
      if (v === 5) expect((await sub.expect('disconnect')).reasonCode).toBe(0x81);
      await sub.expectClosed();
    }
    await waitForLog(t.logs, /invalid topic filter 'a\/b\+'/);
  });

  it('02-03 UNSUBSCRIBE stops deliveries; v5 UNSUBACK carries a reason per filter', async () => {
    const sub = await connected(v, `u${v}`);
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 't', qos: 0 }] });
    await sub.expect('suback');
    sub.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['t', 'never'] });
    const unsuback = await sub.expect('unsuback');
    expect(unsuback.messageId).toBe(2);
    if (v === 5) expect(unsuback.granted).toEqual([0x00, 0x11]);
    const pub = await connected(v, `up${v}`);
    pub.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
    await sub.expectSilence(200);
  });

  it('02-04 shared subscriptions deliver each message to one member of the group', async () => {
    const a = await mqttjs(t.port, { protocolVersion: v, clientId: `sa${v}` });
    const b = await mqttjs(t.port, { protocolVersion: v, clientId: `sb${v}` });
    const p = await mqttjs(t.port, { protocolVersion: v, clientId: `sp${v}` });
    try {
      await a.subscribeAsync('$share/g/job/#', { qos: 0 });
      await b.subscribeAsync('$share/g/job/#', { qos: 0 });
      let count = 0;
      a.on('message', () => count++);
      b.on('message', () => count++);
      const all = Promise.race([collect(a, 1), collect(b, 1)]);
      for (let i = 0; i < 10; i++) await p.publishAsync('job/1', `m${i}`, { qos: 1 });
      await all;
      await p.publishAsync('job/1', 'last', { qos: 1 });
      await waitFor(() => count === 11);
      expect(count).toBe(11);
    } finally {
      await endAll(a, b, p);
    }
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('02 subpub trace', () => {
  it('02-05 -v logs SUBSCRIBE and SUBACK like mosquitto', async () => {
    const sub = await connected(4, 'tracer');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/b', qos: 1 }] });
    await sub.expect('suback');
    await waitForLog(t.logs, /Received SUBSCRIBE from tracer$/);
    await waitForLog(t.logs, /\ta\/b \(QoS 1\)$/);
    await waitForLog(t.logs, /Sending SUBACK to tracer$/);
  });
});
