/**
 * persistent_client_expiration through the real app (mosquitto's meaning: a persistent session
 * disconnected for longer than this is removed). Without it, 3.1.1 clean-session-0 sessions and
 * MQTT-SN CleanSession=0 sessions (expiry 0xFFFFFFFF) live for ever; with `1s` all three kinds
 * below end, and the v5 session's delayed will (delay 1 h, longer than the cap) goes out with it.
 * The test waits for $SYS/broker/clients/expired, not for a time.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApp, startGateway } from '../../../src/app.js';
import { parseGatewayConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let app: RunningApp | undefined;
const mqttClients: MqttClient[] = [];
const snClients: SnTestClient[] = [];

afterEach(async () => {
  await Promise.all(snClients.splice(0).map((c) => c.close()));
  await Promise.all(mqttClients.splice(0).map((c) => c.endAsync(true)));
  await app?.close();
  app = undefined;
});

async function mqttConnect(port: number, options: mqtt.IClientOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ...options,
  });
  mqttClients.push(client);
  return client;
}

/** CONNACK's session present flag of a clean-session-0 3.1.1 connect with this ClientId. */
async function sessionPresent(port: number, clientId: string): Promise<boolean> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
    clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 3000,
  });
  mqttClients.push(client);
  const present = await new Promise<boolean>((resolve, reject) => {
    client.once('connect', (connack) => resolve(connack.sessionPresent));
    client.once('error', reject);
  });
  await client.endAsync();
  return present;
}

describe('persistent_client_expiration (mosquitto: persistent sessions removed after this long)', () => {
  it('3.1.1, MQTT 5 and MQTT-SN persistent sessions end after 1 s disconnected; the v5 delayed will goes out', async () => {
    const text = [
      'listener 0 127.0.0.1',
      'mqttsn_udp 0 127.0.0.1',
      'sys_interval 1',
      'persistent_client_expiration 1s',
      '',
    ].join('\n');
    app = await startGateway(parseGatewayConfig(text, { file: 'exp.conf', baseDir: '/tmp' }), silentLogger);
    const port = app.mqttPorts[0] ?? 0;
    const snPort = app.mqttsnPorts[0] ?? 0;

    const watcher = await mqttConnect(port, { clientId: 'watcher', protocolVersion: 4 });
    const seen: string[] = [];
    let wake: (() => void) | undefined;
    watcher.on('message', (topic, payload) => {
      seen.push(`${topic}=${payload.toString()}`);
      wake?.();
    });
    await watcher.subscribeAsync(['$SYS/broker/clients/expired', 'wills/#']);

    const old = await mqttConnect(port, { clientId: 'old-311', clean: false, protocolVersion: 4 });
    await old.subscribeAsync('x/old', { qos: 1 });
    await old.endAsync();

    const v5 = await mqttConnect(port, {
      clientId: 'v5-forever',
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 0xffffffff },
      will: {
        topic: 'wills/v5',
        payload: Buffer.from('gone'),
        qos: 0,
        retain: false,
        properties: { willDelayInterval: 3600 },
      },
    });
    v5.stream.destroy(); // lost, not DISCONNECT: the will is armed, delayed by an hour

    const sn = await SnTestClient.open({ port: snPort });
    snClients.push(sn);
    expect(await sn.connect('sn-keep', { cleanSession: false })).toBe(0);
    sn.send({ type: 'DISCONNECT' });
    await sn.expect('DISCONNECT');

    // Bounded: without the cap nothing ever expires and this gives up after 8 s.
    const deadline = Date.now() + 8000;
    const done = () => seen.includes('$SYS/broker/clients/expired=3') && seen.includes('wills/v5=gone');
    while (!done() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 500);
      });
    }
    expect(seen).toContain('wills/v5=gone');
    expect(seen).toContain('$SYS/broker/clients/expired=3');
    for (const clientId of ['old-311', 'v5-forever', 'sn-keep']) {
      expect(await sessionPresent(port, clientId), clientId).toBe(false);
    }
  });
});
