/**
 * Issue 3, "acknowledged only after durable", for MQTT-SN sensors through the real binary: a sensor
 * (CleanSession=0) publishes numbered QoS 1 and QoS 2 messages one at a time (MQTT-SN §6.6); the
 * gateway is killed with -9 right after the last acknowledgement (PUBACK, or PUBREC for QoS 2, whose
 * PUBREL is never sent before the kill). After the restart the sensor reconnects, re-sends the
 * unreleased QoS 2 PUBLISH with DUP (acknowledged again, §6.7) and releases it; a persistent MQTT
 * subscriber that was offline all along gets every acknowledged message once, in order.
 * Also the will data and sleep state of a sensor asleep at the kill: it never wakes, so after the
 * restart the gateway declares it lost and publishes its will (§6.14).
 */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPublishPacket } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishQoS } from '../../src/codec/mqttsn/index.js';
import { ReturnCode } from '../../src/codec/mqttsn/index.js';
import { freePort, GatewayProcess } from '../helpers/gateway-process.js';
import { RawClient } from '../helpers/mqtt/raw-client.js';
import { SnTestClient } from '../helpers/mqttsn/sn-client.js';

const MESSAGES = 40;

let directory = '';
let configFile = '';
let port = 0;
let udpPort = 0;
let gateway: GatewayProcess | undefined;
const closers: Array<() => unknown> = [];

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((ok) => socket.bind(0, '127.0.0.1', () => ok()));
  const { port: free } = socket.address();
  await new Promise<void>((ok) => socket.close(() => ok()));
  return free;
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'mqttsn-durable-'));
  port = await freePort();
  udpPort = await freeUdpPort();
  configFile = join(directory, 'gateway.conf');
  writeFileSync(
    configFile,
    [
      `listener ${port} 127.0.0.1`,
      `mqttsn_udp ${udpPort} 127.0.0.1`,
      'sys_interval 0',
      'advertise_interval 0',
      'persistence_location ./data',
      'max_queued_messages 0',
      '',
    ].join('\n'),
  );
  gateway = await GatewayProcess.start(configFile, port);
});

afterAll(async () => {
  for (const close of closers) await close();
  await gateway?.kill();
  rmSync(directory, { recursive: true, force: true });
});

function publish(topicId: number, qos: PublishQoS, msgId: number, n: number, dup = false) {
  return {
    type: 'PUBLISH' as const,
    dup,
    qos,
    retain: false,
    topic: { type: 'normal' as const, id: topicId },
    msgId,
    payload: Buffer.from(String(n)),
  };
}

describe('MQTT-SN: acknowledged means durable, across kill -9 of the binary', () => {
  it('every message a sensor got PUBACK / PUBREC for is delivered once, in order, after the restart', async () => {
    const { client: offline } = await RawClient.connected(port, 4, 'durable-sub', { clean: false });
    offline.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'sn/durable', qos: 2 }] });
    await offline.expect('suback');
    offline.destroy();

    const sensor = await SnTestClient.open({ port: udpPort });
    closers.push(() => sensor.close());
    expect(await sensor.connect('durable-sensor', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    const topicId = await sensor.register('sn/durable');
    for (let n = 1; n <= MESSAGES; n += 1) {
      const qos = n % 2 === 1 ? 1 : 2;
      sensor.send(publish(topicId, qos, n, n));
      if (qos === 1) {
        expect(await sensor.expect('PUBACK')).toMatchObject({ msgId: n, returnCode: ReturnCode.ACCEPTED });
      } else {
        expect((await sensor.expect('PUBREC')).msgId).toBe(n);
        if (n === MESSAGES) break; // PUBREC: the gateway owns it; PUBREL never goes before the kill
        sensor.send({ type: 'PUBREL', msgId: n });
        expect((await sensor.expect('PUBCOMP')).msgId).toBe(n);
      }
    }
    await gateway!.kill();
    gateway = await GatewayProcess.start(configFile, port);

    // The sensor comes back with its session; its unreleased QoS 2 PUBLISH goes again with DUP.
    expect(await sensor.connect('durable-sensor', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    sensor.send(publish(topicId, 2, MESSAGES, MESSAGES, true));
    expect((await sensor.expect('PUBREC')).msgId).toBe(MESSAGES);
    sensor.send({ type: 'PUBREL', msgId: MESSAGES });
    expect((await sensor.expect('PUBCOMP')).msgId).toBe(MESSAGES);
    // A marker after it: delivery is in order, so a second copy of anything would come before it.
    sensor.send(publish(topicId, 1, MESSAGES + 1, MESSAGES + 1));
    await sensor.expect('PUBACK');

    const { client: subscriber, connack } = await RawClient.connected(port, 4, 'durable-sub', {
      clean: false,
    });
    closers.push(() => subscriber.destroy());
    expect(connack.sessionPresent).toBe(true);
    const numbers: number[] = [];
    while (numbers.at(-1) !== MESSAGES + 1) {
      const packet = await subscriber.next(5000);
      // Several deliveries are in flight at once: answer each packet as it comes.
      if (packet.cmd === 'pubrel') subscriber.send({ cmd: 'pubcomp', messageId: packet.messageId });
      if (packet.cmd !== 'publish') continue;
      const message = packet as IPublishPacket;
      numbers.push(Number(message.payload.toString()));
      if (message.qos === 1) subscriber.send({ cmd: 'puback', messageId: message.messageId });
      if (message.qos === 2) subscriber.send({ cmd: 'pubrec', messageId: message.messageId });
    }
    expect(numbers).toEqual(Array.from({ length: MESSAGES + 1 }, (_, i) => i + 1));
  }, 30_000);

  it('a sensor asleep at kill -9 that never wakes is lost after the restart, and its will published (§6.14)', async () => {
    const { client: watcher } = await RawClient.connected(port, 4, 'will-watcher', { clean: false });
    closers.push(() => watcher.destroy());
    watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'sn/wills/#', qos: 1 }] });
    await watcher.expect('suback');
    watcher.destroy();

    const sleeper = await SnTestClient.open({ port: udpPort });
    closers.push(() => sleeper.close());
    const will = { topic: 'sn/wills/sleeper', message: 'gone for good', qos: 1 as const };
    expect(await sleeper.connect('sleeper', { cleanSession: false, will })).toBe(ReturnCode.ACCEPTED);
    sleeper.send({ type: 'DISCONNECT', duration: 1 });
    await sleeper.expect('DISCONNECT');
    // Durable: a QoS 1 PUBLISH queued for the offline watcher is acknowledged after a flush, and
    // flushes complete in order, so the sleep state saved before it is on disk too.
    const { client: barrier } = await RawClient.connected(port, 4, 'barrier', { clean: true });
    closers.push(() => barrier.destroy());
    barrier.send({
      cmd: 'publish',
      topic: 'sn/wills/barrier',
      payload: Buffer.from('b'),
      qos: 1,
      messageId: 1,
      dup: false,
      retain: false,
    });
    await barrier.expect('puback');
    await gateway!.kill();
    gateway = await GatewayProcess.start(configFile, port);

    const { client: back } = await RawClient.connected(port, 4, 'will-watcher', { clean: false });
    closers.push(() => back.destroy());
    const payloads: string[] = [];
    while (!payloads.includes('gone for good')) {
      const packet = await back.next(10_000);
      if (packet.cmd !== 'publish') continue;
      payloads.push(packet.payload.toString());
      if (packet.qos === 1) back.send({ cmd: 'puback', messageId: packet.messageId });
    }
    expect(payloads).toEqual(['b', 'gone for good']);
  }, 30_000);
});
