/**
 * Client → gateway: REGISTER (§6.5), PUBLISH at QoS −1 (§6.8), 0, 1, 2 (§6.6), predefined ids and
 * short names (§6.7), PUBACK 0x02 for unknown topic ids at any QoS; every message is seen by an
 * MQTT.js subscriber on the broker's TCP listener.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type PublishPacket, ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let harness: Harness | undefined;
const clients: SnTestClient[] = [];
const watchers: MqttWatcher[] = [];

async function setUp(
  gateway: Parameters<typeof startHarness>[0] = {},
): Promise<{ c: SnTestClient; w: MqttWatcher; h: Harness }> {
  const h = await startHarness(gateway);
  harness = h;
  const w = await MqttWatcher.subscribe(h.mqtt.port, '#');
  watchers.push(w);
  const c = await SnTestClient.open({ port: h.port });
  clients.push(c);
  return { c, w, h };
}

function publish(
  topic: PublishPacket['topic'],
  qos: PublishPacket['qos'],
  msgId: number,
  payload: string,
  dup = false,
): PublishPacket {
  return { type: 'PUBLISH', dup, qos, retain: false, topic, msgId, payload: Buffer.from(payload) };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await harness?.close();
  harness = undefined;
});

describe('02 publish (MQTT-SN §6.5-§6.8)', () => {
  it('REGISTER gives an id; PUBLISH QoS 0, 1, 2 on it reach the MQTT subscriber', async () => {
    const { c, w } = await setUp();
    await c.connect('pub-1');
    const id = await c.register('sensors/pub-1/temp');
    expect(id).toBeGreaterThan(0);
    expect(await c.register('sensors/pub-1/temp', 2)).toBe(id); // the same name, the same id
    c.send(publish({ type: 'normal', id }, 0, 0, 'q0'));
    c.send(publish({ type: 'normal', id }, 1, 11, 'q1'));
    const puback = await c.expect('PUBACK');
    expect(puback).toMatchObject({ topicId: id, msgId: 11, returnCode: ReturnCode.ACCEPTED });
    c.send(publish({ type: 'normal', id }, 2, 12, 'q2'));
    expect((await c.expect('PUBREC')).msgId).toBe(12);
    c.send({ type: 'PUBREL', msgId: 12 });
    expect((await c.expect('PUBCOMP')).msgId).toBe(12);
    const got = await w.waitFor(3);
    expect(got.map((m) => [m.topic, m.payload, m.qos])).toEqual([
      ['sensors/pub-1/temp', 'q0', 0],
      ['sensors/pub-1/temp', 'q1', 1],
      ['sensors/pub-1/temp', 'q2', 2],
    ]);
  });

  it('QoS 2 without duplicates: a PUBLISH re-sent (DUP) after PUBREC is not routed again', async () => {
    const { c, w } = await setUp();
    await c.connect('pub-2');
    const id = await c.register('sensors/pub-2/once');
    c.send(publish({ type: 'normal', id }, 2, 7, 'exactly-once'));
    await c.expect('PUBREC');
    c.send(publish({ type: 'normal', id }, 2, 7, 'exactly-once', true));
    expect((await c.expect('PUBREC')).msgId).toBe(7);
    c.send({ type: 'PUBREL', msgId: 7 });
    await c.expect('PUBCOMP');
    c.send(publish({ type: 'normal', id }, 0, 0, 'marker'));
    const got = await w.waitFor(2);
    expect(got.map((m) => m.payload)).toEqual(['exactly-once', 'marker']);
  });

  it('answers PUBACK 0x02 for an unknown topic id at QoS 0, 1 and 2 (§6.6)', async () => {
    const { c, w } = await setUp();
    await c.connect('pub-3');
    for (const [qos, msgId] of [
      [0, 0],
      [1, 5],
      [2, 6],
    ] as const) {
      c.send(publish({ type: 'normal', id: 999 }, qos, msgId, 'lost'));
      expect(await c.expect('PUBACK')).toMatchObject({
        topicId: 999,
        msgId,
        returnCode: ReturnCode.INVALID_TOPIC_ID,
      });
    }
    c.send(publish({ type: 'predefined', id: 77 }, 1, 8, 'lost'));
    expect(await c.expect('PUBACK')).toMatchObject({ topicId: 77, returnCode: ReturnCode.INVALID_TOPIC_ID });
    expect(w.messages).toEqual([]);
  });

  it('publishes on predefined ids (global and per client) and short names (§6.7)', async () => {
    const { c, w } = await setUp({
      gateway: {
        predefinedTopics: new Map([[1, 'predef/global']]),
        clientPredefinedTopics: new Map([['pub-4', new Map([[2, 'predef/mine']])]]),
      },
    });
    await c.connect('pub-4');
    c.send(publish({ type: 'predefined', id: 1 }, 1, 1, 'g'));
    await c.expect('PUBACK');
    c.send(publish({ type: 'predefined', id: 2 }, 1, 2, 'm'));
    await c.expect('PUBACK');
    c.send(publish({ type: 'short', name: 'ab' }, 1, 3, 's'));
    expect(await c.expect('PUBACK')).toMatchObject({ topicId: 0x6162, returnCode: ReturnCode.ACCEPTED });
    const got = await w.waitFor(3);
    expect(got.map((m) => m.topic)).toEqual(['predef/global', 'predef/mine', 'ab']);
  });

  it('normal ids are allocated above the predefined range and are per client (§7.3)', async () => {
    const { c, h, w } = await setUp({ gateway: { predefinedTopics: new Map([[500, 'predef/x']]) } });
    await c.connect('pub-5');
    const mine = await c.register('a/b');
    expect(mine).toBeGreaterThan(500);
    const other = await SnTestClient.open({ port: h.port });
    clients.push(other);
    await other.connect('pub-5b');
    await other.register('c/d'); // takes the same first id in its own table
    // The same number means c/d for pub-5b and a/b for pub-5: ids are per client.
    other.send(publish({ type: 'normal', id: mine }, 1, 1, 'x'));
    expect((await other.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    c.send(publish({ type: 'normal', id: mine }, 1, 2, 'y'));
    expect((await c.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    expect((await w.waitFor(2)).map((m) => [m.topic, m.payload])).toEqual([
      ['c/d', 'x'],
      ['a/b', 'y'],
    ]);
  });

  it('QoS −1 from an unconnected sender on a predefined id or short name is published at QoS 0 (§6.8)', async () => {
    const { c, w, h } = await setUp({ gateway: { predefinedTopics: new Map([[3, 'minus1/predef']]) } });
    c.send(publish({ type: 'predefined', id: 3 }, -1, 0, 'p'));
    c.send(publish({ type: 'short', name: 'm1' }, -1, 0, 's'));
    c.send(publish({ type: 'normal', id: 3 }, -1, 0, 'refused'));
    const got = await w.waitFor(2);
    expect(got.map((m) => [m.topic, m.payload, m.qos])).toEqual([
      ['minus1/predef', 'p', 0],
      ['m1', 's', 0],
    ]);
    expect(await c.drain(100)).toEqual([]); // QoS −1 never gets an answer
    expect(h.gateway.stats()).toMatchObject({ qosMinus1Published: 2, qosMinus1Dropped: 1 });
  });

  it('QoS −1 can be switched off', async () => {
    const { c, w, h } = await setUp({
      gateway: { qosMinus1: false, predefinedTopics: new Map([[3, 'minus1/predef']]) },
    });
    c.send(publish({ type: 'predefined', id: 3 }, -1, 0, 'p'));
    c.send(publish({ type: 'short', name: 'ok' }, 0, 0, 'unconnected'));
    await c.expect('DISCONNECT'); // the QoS 0 one: §6.12
    // A marker published after them comes first: the QoS −1 message was not routed before it.
    await w.publish('marker', 'after');
    expect((await w.waitFor(1)).map((m) => m.topic)).toEqual(['marker']);
    expect(h.gateway.stats().qosMinus1Dropped).toBe(1);
    expect(h.logLines.some((l) => l.includes('QoS -1 is switched off'))).toBe(true);
  });

  it('refuses REGISTER of a wildcard name (0x03) and beyond maxTopicsPerClient (0x01); thousands are fine', async () => {
    const { c } = await setUp({ gateway: { maxTopicsPerClient: 2000 } });
    await c.connect('pub-6');
    c.send({ type: 'REGISTER', topicId: 0, msgId: 1, topicName: 'a/+' });
    expect((await c.expect('REGACK')).returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    const ids = new Set<number>();
    for (let i = 0; i < 2000; i++) ids.add(await c.register(`many/${i}`, i + 2));
    expect(ids.size).toBe(2000);
    c.send({ type: 'REGISTER', topicId: 0, msgId: 9999, topicName: 'many/one-too-many' });
    expect(await c.expect('REGACK')).toMatchObject({ msgId: 9999, returnCode: ReturnCode.CONGESTION });
  });
});
