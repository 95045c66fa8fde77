/**
 * Conformance 17: a client that connected with CleanSession=1 and sends CONNECT with
 * CleanSession=0 keeps its subscriptions — MQTT-SN §6.3: they persist "until ... the client
 * establishes a new connection with the CleanSession flag set", and CleanSession=false means "the
 * GW keeps all stored client's data"; §6.14: a sleeping client goes back to active with a CONNECT.
 * (Bug: the core session of a CleanSession=1 client has expiry 0 and ended at that CONNECT.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type PublishPacket, ReturnCode, topicIdFieldValue } from '../../../src/codec/mqttsn/index.js';
import { type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let h: Harness | undefined;
let c: SnTestClient | undefined;
let w: MqttWatcher | undefined;
afterEach(async () => {
  await c?.close();
  await w?.close();
  await h?.close();
  c = w = h = undefined;
});

async function setUp(clientId: string, qos: 0 | 1): Promise<SnTestClient> {
  h = await startHarness();
  w = await MqttWatcher.subscribe(h.mqtt.port, 'nothing/here');
  const client = await SnTestClient.open({ port: h.port });
  c = client;
  expect(await client.connect(clientId, { cleanSession: true })).toBe(ReturnCode.ACCEPTED);
  client.send({
    type: 'SUBSCRIBE',
    dup: false,
    qos,
    msgId: 1,
    topic: { type: 'name', name: `cmd/${clientId}` },
  });
  expect((await client.expect('SUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
  return client;
}

/**
 * The next PUBLISH, answering the REGISTER the gateway may send first (§6.10: after a reconnect
 * the gateway announces the topic again) and acknowledging it at QoS 1.
 */
async function receivePublish(client: SnTestClient): Promise<PublishPacket> {
  let packet = await client.next();
  if (packet.type === 'REGISTER') {
    client.send({
      type: 'REGACK',
      topicId: packet.topicId,
      msgId: packet.msgId,
      returnCode: ReturnCode.ACCEPTED,
    });
    packet = await client.next();
  }
  if (packet.type !== 'PUBLISH') throw new Error(`expected PUBLISH, got ${packet.type}`);
  if (packet.qos === 1) {
    client.send({
      type: 'PUBACK',
      topicId: topicIdFieldValue(packet.topic),
      msgId: packet.msgId,
      returnCode: ReturnCode.ACCEPTED,
    });
  }
  return packet;
}

async function sleep(client: SnTestClient): Promise<void> {
  client.send({ type: 'DISCONNECT', duration: 60 });
  await client.expect('DISCONNECT');
}

describe('MQTT-SN §6.3 / §6.14: CleanSession=1, then CONNECT CleanSession=0', () => {
  it('a sleeper that goes active with CONNECT CleanSession=0 keeps its subscription', async () => {
    const client = await setUp('cs-sleep', 0);
    await sleep(client);
    expect(await client.connect('cs-sleep', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    await w?.publish('cmd/cs-sleep', 'on', 0);
    expect((await receivePublish(client)).payload.toString()).toBe('on');
  });

  it('an active client reconnecting with CleanSession=0 keeps its subscription', async () => {
    const client = await setUp('cs-active', 0);
    expect(await client.connect('cs-active', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    await w?.publish('cmd/cs-active', 'on', 0);
    expect((await receivePublish(client)).payload.toString()).toBe('on');
  });

  it('a QoS 1 message buffered while asleep arrives once after CONNECT CleanSession=0', async () => {
    const client = await setUp('cs-buffer', 1);
    await sleep(client);
    await w?.publish('cmd/cs-buffer', 'buffered', 1);
    expect(await client.connect('cs-buffer', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    const first = await receivePublish(client);
    expect(first.payload.toString()).toBe('buffered');
    expect(first.dup).toBe(false);
    await w?.publish('cmd/cs-buffer', 'after', 1);
    expect((await receivePublish(client)).payload.toString()).toBe('after');
    // Nothing twice: the buffered message was redelivered once.
    expect((await client.drain(300)).filter((p) => p.type === 'PUBLISH')).toEqual([]);
  });

  it('the will handshake of a CleanSession=0 CONNECT from a sleeper keeps the subscription too', async () => {
    const client = await setUp('cs-will', 0);
    await sleep(client);
    const code = await client.connect('cs-will', {
      cleanSession: false,
      will: { topic: 'wills/cs-will', message: 'gone' },
    });
    expect(code).toBe(ReturnCode.ACCEPTED);
    await w?.publish('cmd/cs-will', 'on', 0);
    expect((await receivePublish(client)).payload.toString()).toBe('on');
  });

  it('a later CONNECT with CleanSession=1 still deletes the subscription (§6.3)', async () => {
    const client = await setUp('cs-clean', 0);
    await sleep(client);
    expect(await client.connect('cs-clean', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    expect(await client.connect('cs-clean', { cleanSession: true })).toBe(ReturnCode.ACCEPTED);
    await w?.publish('cmd/cs-clean', 'lost', 0);
    expect(await client.drain(300)).toEqual([]);
  });
});
