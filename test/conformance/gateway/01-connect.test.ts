/**
 * MQTT-SN §6.2 (connect, will handshake), §6.3 (clean session), §6.11 (PINGREQ), §6.12
 * (DISCONNECT, unsolicited DISCONNECT to unknown senders), over real UDP sockets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { type Harness, MqttWatcher, startHarness, waitUntil } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let harness: Harness | undefined;
const clients: SnTestClient[] = [];
const watchers: MqttWatcher[] = [];

async function client(): Promise<SnTestClient> {
  if (harness === undefined) throw new Error('no harness');
  const c = await SnTestClient.open({ port: harness.port });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await harness?.close();
  harness = undefined;
});

describe('01 connect (MQTT-SN §6.2, §6.3, §6.11, §6.12)', () => {
  it('accepts a CONNECT without will: CONNACK accepted, PINGREQ → PINGRESP, DISCONNECT → DISCONNECT', async () => {
    harness = await startHarness();
    const c = await client();
    expect(await c.connect('sensor-1')).toBe(ReturnCode.ACCEPTED);
    c.send({ type: 'PINGREQ' });
    await c.expect('PINGRESP');
    c.send({ type: 'DISCONNECT' });
    await c.expect('DISCONNECT');
    expect(harness.gateway.stats().clients.active).toBe(0);
  });

  it("runs the will handshake (§6.2): WILLTOPICREQ, WILLMSGREQ, CONNACK; the will is the broker's", async () => {
    harness = await startHarness();
    const watcher = await MqttWatcher.subscribe(harness.mqtt.port, 'wills/#');
    watchers.push(watcher);
    const c = await client();
    expect(await c.connect('sensor-w', { will: { topic: 'wills/sensor-w', message: 'gone', qos: 1 } })).toBe(
      ReturnCode.ACCEPTED,
    );
    // Nothing published yet: the will fires only when the client is lost (05-keepalive-will).
    expect(harness.gateway.stats().clients.active).toBe(1);
    expect(watcher.messages).toEqual([]);
  });

  it('an empty WILLTOPIC means no will (§6.3) and still ends with CONNACK', async () => {
    harness = await startHarness();
    const c = await client();
    c.send({ type: 'CONNECT', will: true, cleanSession: true, duration: 60, clientId: 'sensor-e' });
    await c.expect('WILLTOPICREQ');
    c.send({ type: 'WILLTOPIC', will: null });
    expect((await c.expect('CONNACK')).returnCode).toBe(ReturnCode.ACCEPTED);
  });

  it('re-sends WILLTOPICREQ after T_retry when the client does not answer (§6.13, gateway side)', async () => {
    harness = await startHarness();
    const c = await client();
    c.send({ type: 'CONNECT', will: true, cleanSession: true, duration: 60, clientId: 'sensor-slow' });
    await c.expect('WILLTOPICREQ');
    await c.expect('WILLTOPICREQ');
    expect(harness.gateway.stats().retransmissions).toBeGreaterThanOrEqual(1);
  });

  it('refuses an empty ClientId and one longer than 23 characters with CONNACK 0x03', async () => {
    harness = await startHarness();
    const c = await client();
    expect(await c.connect('')).toBe(ReturnCode.NOT_SUPPORTED);
    expect(await c.connect('x'.repeat(24))).toBe(ReturnCode.NOT_SUPPORTED);
    expect(await c.connect('x'.repeat(23))).toBe(ReturnCode.ACCEPTED);
    expect(harness.logLines.some((l) => l.includes('ClientId of 0 characters'))).toBe(true);
  });

  it('answers CONNACK 0x01 congestion beyond maxClients, and lets the client in once a slot frees', async () => {
    harness = await startHarness({ gateway: { maxClients: 2 } });
    const [a, b, c] = [await client(), await client(), await client()];
    expect(await a.connect('a')).toBe(ReturnCode.ACCEPTED);
    expect(await b.connect('b')).toBe(ReturnCode.ACCEPTED);
    expect(await c.connect('c')).toBe(ReturnCode.CONGESTION);
    expect(harness.gateway.stats().congestion).toBe(1);
    // A known client reconnecting is not a new one.
    expect(await a.connect('a')).toBe(ReturnCode.ACCEPTED);
    a.send({ type: 'DISCONNECT' });
    await a.expect('DISCONNECT');
    expect(await c.connect('c')).toBe(ReturnCode.ACCEPTED);
  });

  it('answers an unknown sender of PUBLISH / SUBSCRIBE / PINGREQ with DISCONNECT (§6.12)', async () => {
    harness = await startHarness();
    const c = await client();
    c.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: 1 },
      msgId: 1,
      payload: Buffer.from('x'),
    });
    await c.expect('DISCONNECT');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 2, topic: { type: 'name', name: 'a/b' } });
    await c.expect('DISCONNECT');
    c.send({ type: 'PINGREQ' });
    await c.expect('DISCONNECT');
    expect(harness.gateway.stats().unknownSenders).toBe(3);
  });

  it('answers a client that is no longer connected (after DISCONNECT, or lost) with DISCONNECT (§6.12)', async () => {
    harness = await startHarness();
    const gone = await client();
    expect(await gone.connect('gone', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    gone.send({ type: 'DISCONNECT' });
    await gone.expect('DISCONNECT');
    gone.send({ type: 'REGISTER', topicId: 0, msgId: 1, topicName: 'a/b' });
    await gone.expect('DISCONNECT');
    gone.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'short', name: 'ab' },
      msgId: 2,
      payload: Buffer.from('x'),
    });
    await gone.expect('DISCONNECT');
    gone.send({ type: 'PUBACK', topicId: 1, msgId: 3, returnCode: ReturnCode.ACCEPTED });
    await gone.expect('DISCONNECT');
    // Lost: silent past its keep-alive (1 s × 1.5, §7.2), then it speaks again.
    const h = harness;
    const lost = await client();
    expect(await lost.connect('lost-one', { duration: 1 })).toBe(ReturnCode.ACCEPTED);
    await waitUntil(() => h.gateway.stats().clientsLost === 1, 5000, 'keep-alive expiry');
    lost.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 4, topic: { type: 'name', name: 'a/b' } });
    await lost.expect('DISCONNECT');
    expect(h.gateway.stats().unknownSenders).toBe(4);
  });

  it('a CleanSession=0 client reconnecting from a new port keeps its session (NAT rebinding, NB-IoT)', async () => {
    harness = await startHarness();
    const pub = await MqttWatcher.subscribe(harness.mqtt.port, 'unused');
    watchers.push(pub);
    const before = await client();
    expect(await before.connect('roamer', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    before.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'short', name: 'ro' } });
    await before.expect('SUBACK');
    const after = await client(); // a new source port: the NAT's new mapping
    expect(after.localPort).not.toBe(before.localPort);
    expect(await after.connect('roamer', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    await pub.publish('ro', 'found you', 1);
    const p = await after.expect('PUBLISH');
    expect(p.payload.toString()).toBe('found you');
    after.send({ type: 'PUBACK', topicId: 0x726f, msgId: p.msgId, returnCode: ReturnCode.ACCEPTED }); // 'ro'
    expect(await before.drain(100)).toEqual([]); // nothing goes to the old address
    expect(harness.logLines.some((l) => l.includes('roamer moved from'))).toBe(true);
  });

  it('answers SEARCHGW with GWINFO carrying the gateway id (§6.1)', async () => {
    harness = await startHarness({ gateway: { gatewayId: 42 } });
    const c = await client();
    c.send({ type: 'SEARCHGW', radius: 1 });
    expect((await c.expect('GWINFO')).gwId).toBe(42);
  });

  it("a different client CONNECTing from an active client's address makes that one lost: its will is published", async () => {
    harness = await startHarness();
    const w = await MqttWatcher.subscribe(harness.mqtt.port, 'wills/#');
    watchers.push(w);
    const c = await client();
    await c.connect('first', { will: { topic: 'wills/first', message: 'replaced' } });
    expect(await c.connect('second')).toBe(ReturnCode.ACCEPTED);
    expect((await w.waitFor(1))[0]).toMatchObject({ topic: 'wills/first', payload: 'replaced' });
    expect(harness.gateway.stats().clients.active).toBe(1);
  });

  it('a sleeping client whose address is reused by another client stays asleep (routed by ClientId)', async () => {
    harness = await startHarness();
    const w = await MqttWatcher.subscribe(harness.mqtt.port, 'wills/#');
    watchers.push(w);
    const c = await client();
    await c.connect('napper', { will: { topic: 'wills/napper', message: 'x' } });
    c.send({ type: 'DISCONNECT', duration: 60 });
    await c.expect('DISCONNECT');
    expect(await c.connect('newcomer')).toBe(ReturnCode.ACCEPTED);
    expect(harness.gateway.stats().clients).toMatchObject({ active: 1, asleep: 1 });
    const elsewhere = await client();
    elsewhere.send({ type: 'PINGREQ', clientId: 'napper' });
    await elsewhere.expect('PINGRESP');
    expect(w.messages).toEqual([]);
  });

  it("-v: every datagram in and out is logged with the codec's description", async () => {
    harness = await startHarness({ debug: true });
    const c = await client();
    await c.connect('traced');
    const key = `udp:127.0.0.1:${c.localPort}`;
    expect(
      harness.logLines.some((l) => l.includes(`${key} -> CONNECT`) && l.includes('clientId="traced"')),
    ).toBe(true);
    expect(harness.logLines.some((l) => l.includes(`${key} <- CONNACK`))).toBe(true);
  });
});
