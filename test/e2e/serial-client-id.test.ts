/**
 * gateway.conf `serial DEVICE client=ID` (issue 5 "Build": a default client per line): a CONNECT
 * with an empty ClientId on that line is the client ID. Without client=, an empty ClientId gets
 * CONNACK 0x03 (MQTT-SN has no way to hand out an assigned id), on serial and UDP alike.
 * The real app over socat pseudo-terminals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningApp, startGateway } from '../../src/app.js';
import { decode, encode, type MqttSnPacket, ReturnCode } from '../../src/codec/mqttsn/index.js';
import { parseGatewayConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/observe/logger.js';
import { MqttWatcher } from '../helpers/mqttsn/harness.js';
import { SnTestClient } from '../helpers/mqttsn/sn-client.js';
import { createSocatPair, type FarEnd, openFarEnd, type SocatPair } from '../helpers/socat.js';

let dir: string;
let named: SocatPair;
let plain: SocatPair;
let app: RunningApp;
const farEnds: FarEnd[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serial-client-id-'));
  named = await createSocatPair();
  plain = await createSocatPair();
  const config = parseGatewayConfig(
    [
      'listener 0 127.0.0.1',
      'mqttsn_udp 0 127.0.0.1',
      'persistence false',
      'sys_interval 0',
      'advertise_interval 0',
      `serial ${named.a} framing=raw client=dev-1`,
      `serial ${plain.a} framing=raw`,
    ].join('\n'),
    { file: 'serial-client-id.conf', baseDir: dir },
  );
  app = await startGateway(config, silentLogger);
});

afterAll(async () => {
  await Promise.all(farEnds.map((f) => f.close()));
  await app?.close();
  await named?.dispose();
  await plain?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw line carries each MQTT-SN message as it is (its own length octet first). */
async function exchange(far: FarEnd, packet: MqttSnPacket): Promise<MqttSnPacket> {
  far.take();
  await far.write(encode(packet));
  const bytes = await far.waitFor((b) => b.length >= 1 && b.length >= (b[0] ?? 0), 'an answer');
  const result = decode(bytes.subarray(0, bytes[0]));
  if (!result.ok) throw new Error(`the gateway sent a malformed message: ${bytes.toString('hex')}`);
  return result.packet;
}

const emptyIdConnect: MqttSnPacket = {
  type: 'CONNECT',
  will: false,
  cleanSession: true,
  duration: 60,
  clientId: '',
};

it('a raw line with client=dev-1 accepts a CONNECT with an empty ClientId, and the sensor publishes', async () => {
  const port = app.mqttPorts[0] ?? 0;
  const watcher = await MqttWatcher.subscribe(port, 'ab');
  try {
    const far = await openFarEnd(named.b);
    farEnds.push(far);
    expect(await exchange(far, emptyIdConnect)).toEqual({ type: 'CONNACK', returnCode: ReturnCode.ACCEPTED });
    // A short topic name (§6.7) needs no REGISTER: the sensor is a connected client now.
    const puback = await exchange(far, {
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'short', name: 'ab' },
      msgId: 7,
      payload: Buffer.from('21.5'),
    });
    expect(puback).toMatchObject({ type: 'PUBACK', msgId: 7, returnCode: ReturnCode.ACCEPTED });
    expect(await watcher.waitFor(1)).toEqual([{ topic: 'ab', payload: '21.5', qos: 1, retain: false }]);
  } finally {
    await watcher.close();
  }
});

it('a raw line without client= refuses an empty ClientId with 0x03 (MQTT-SN §5.3.1)', async () => {
  const far = await openFarEnd(plain.b);
  farEnds.push(far);
  expect(await exchange(far, emptyIdConnect)).toEqual({
    type: 'CONNACK',
    returnCode: ReturnCode.NOT_SUPPORTED,
  });
});

it('over UDP an empty ClientId is still refused with 0x03', async () => {
  const client = await SnTestClient.open({ port: app.mqttsnPorts[0] ?? 0 });
  try {
    client.send(emptyIdConnect);
    expect((await client.expect('CONNACK')).returnCode).toBe(ReturnCode.NOT_SUPPORTED);
  } finally {
    await client.close();
  }
});
