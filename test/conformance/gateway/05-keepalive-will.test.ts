/**
 * Keep-alive supervised by the gateway (MQTT-SN §6.11, §6.14, tolerance §7.2): a client silent
 * for longer than duration × tolerance is lost and its will published through the broker, seen by
 * mosquitto_sub. WILLTOPICUPD / WILLMSGUPD (§6.4) change that will.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { type Harness, MqttWatcher, startHarness, waitUntil } from '../../helpers/mqttsn/harness.js';
import { mosquittoSub } from '../../helpers/mqttsn/mosquitto.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let harness: Harness | undefined;
const clients: SnTestClient[] = [];
const watchers: MqttWatcher[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await harness?.close();
  harness = undefined;
});

describe('05 keep-alive and will (MQTT-SN §6.4, §6.11, §6.14)', () => {
  it('a client silent past its keep-alive × tolerance is lost: mosquitto_sub sees its will', async () => {
    harness = await startHarness({ gateway: { keepAliveTolerance: 1.5 } });
    const sub = mosquittoSub(harness.mqtt.port, 'wills/#');
    children.push(sub.child);
    await sub.ready;
    const c = await SnTestClient.open({ port: harness.port });
    clients.push(c);
    await c.connect('ka-1', { duration: 1, will: { topic: 'wills/ka-1', message: 'ka-1 silent' } });
    const output = await sub.output;
    expect(output).toContain('wills/ka-1 ka-1 silent');
    expect(harness.gateway.stats()).toMatchObject({ clientsLost: 1 });
    // The lost client is not connected any more (§6.12).
    c.send({ type: 'PINGREQ' });
    await c.expect('DISCONNECT');
  });

  it('PINGREQs within the keep-alive keep the client (and no will is published)', async () => {
    harness = await startHarness();
    const w = await MqttWatcher.subscribe(harness.mqtt.port, 'wills/#');
    watchers.push(w);
    const c = await SnTestClient.open({ port: harness.port });
    clients.push(c);
    await c.connect('ka-2', { duration: 1, will: { topic: 'wills/ka-2', message: 'x' } });
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      c.send({ type: 'PINGREQ' });
      await c.expect('PINGRESP');
    }
    expect(w.messages).toEqual([]);
    c.send({ type: 'DISCONNECT' });
    await c.expect('DISCONNECT');
    expect(w.messages).toEqual([]); // a DISCONNECT is not a loss
  });

  it('WILLTOPICUPD and WILLMSGUPD replace the will (§6.4); the new one is published on loss', async () => {
    harness = await startHarness();
    const w = await MqttWatcher.subscribe(harness.mqtt.port, 'wills/#');
    watchers.push(w);
    const c = await SnTestClient.open({ port: harness.port });
    clients.push(c);
    await c.connect('ka-3', { duration: 1, will: { topic: 'wills/old', message: 'old' } });
    c.send({ type: 'WILLTOPICUPD', will: { topic: 'wills/new', qos: 1, retain: false } });
    expect((await c.expect('WILLTOPICRESP')).returnCode).toBe(ReturnCode.ACCEPTED);
    c.send({ type: 'WILLMSGUPD', willMsg: Buffer.from('new message') });
    expect((await c.expect('WILLMSGRESP')).returnCode).toBe(ReturnCode.ACCEPTED);
    const [will] = await w.waitFor(1);
    expect(will).toMatchObject({ topic: 'wills/new', payload: 'new message', qos: 1 });
  });

  it('an empty WILLTOPICUPD deletes the will; WILLMSGUPD without a will topic is refused (0x03)', async () => {
    harness = await startHarness();
    const w = await MqttWatcher.subscribe(harness.mqtt.port, 'wills/#');
    watchers.push(w);
    const c = await SnTestClient.open({ port: harness.port });
    clients.push(c);
    await c.connect('ka-4', { duration: 1, will: { topic: 'wills/ka-4', message: 'x' } });
    c.send({ type: 'WILLTOPICUPD', will: null });
    expect((await c.expect('WILLTOPICRESP')).returnCode).toBe(ReturnCode.ACCEPTED);
    c.send({ type: 'WILLMSGUPD', willMsg: Buffer.from('orphan') });
    expect((await c.expect('WILLMSGRESP')).returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    // Lost without a will: nothing is published.
    const h = harness;
    await waitUntil(() => h.gateway.stats().clientsLost === 1, 5000, 'client lost');
    await new Promise((resolve) => setTimeout(resolve, 100)); // a will would be routed by now
    expect(w.messages).toEqual([]);
  });

  it('CleanSession=0, Will=0 keeps the stored will (§6.3)', async () => {
    harness = await startHarness();
    const w = await MqttWatcher.subscribe(harness.mqtt.port, 'wills/#');
    watchers.push(w);
    const c = await SnTestClient.open({ port: harness.port });
    clients.push(c);
    await c.connect('ka-5', {
      cleanSession: false,
      duration: 60,
      will: { topic: 'wills/ka-5', message: 'kept' },
    });
    expect(await c.connect('ka-5', { cleanSession: false, duration: 1 })).toBe(ReturnCode.ACCEPTED);
    const [will] = await w.waitFor(1);
    expect(will).toMatchObject({ topic: 'wills/ka-5', payload: 'kept' });
  });
});
