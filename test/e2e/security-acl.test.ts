/**
 * ACL file (mosquitto's acl_file format) applied by the broker core through the Authorizer, with
 * real mosquitto clients and MQTT.js: read, write, patterns, retained messages and wills.
 * Outcomes (docs/security.md): a SUBSCRIBE not covered by a read grant gets 0x80 (3.1.1) / 0x87
 * (v5); a denied PUBLISH is dropped (v5 QoS 1: PUBACK 0x87); a retained message or a will on a
 * topic the client may not read/write never reaches it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createAclAuthorizer, parseAclFile } from '../../src/security/acl.js';
import { startTestBroker, type TestBroker, waitForLog } from '../helpers/mqtt/harness.js';
import { collect, endAll } from '../helpers/mqtt/mqttjs.js';
import { run } from '../unit/security/secure-harness.js';

const ACL = `
topic read public/#

user alice
topic readwrite sensors/#
topic deny sensors/secret
topic write wills/alice

user admin
topic readwrite #

pattern write devices/%c/status
pattern read devices/%c/cmd
`;

let t: TestBroker | undefined;
const clients: mqtt.MqttClient[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await endAll(...clients.splice(0));
  await t?.close();
  t = undefined;
});

async function start(): Promise<TestBroker> {
  t = await startTestBroker({}, { authorizer: createAclAuthorizer(parseAclFile(ACL, 'acl')) });
  return t;
}

async function client(options: mqtt.IClientOptions): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${t!.port}`, {
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ...options,
  });
  clients.push(c);
  return c;
}

const mosq = (...args: string[]): string[] => ['-h', '127.0.0.1', '-p', String(t!.port), ...args];

describe('ACL: subscribe and read', () => {
  it('mosquitto_sub: a covered filter is granted, `#` without rights gets 0x80 (3.1.1) and 0x87 (v5)', async () => {
    await start();
    const granted = await run('mosquitto_sub', mosq('-u', 'alice', '-t', 'sensors/+/temp', '-d', '-W', '1'));
    expect(granted.stdout).toMatch(/Subscribed \(mid: 1\): 0\n/);
    const v311 = await run('mosquitto_sub', mosq('-u', 'alice', '-t', '#', '-d', '-W', '1'));
    expect(v311.stdout).toMatch(/Subscribed \(mid: 1\): 128\n/);
    const v5 = await run('mosquitto_sub', mosq('-V', 'mqttv5', '-u', 'alice', '-t', '#', '-d', '-W', '1'));
    expect(v5.stdout).toMatch(/Subscribed \(mid: 1\): 135\n/);
    await waitForLog(t!.logs, /SUBSCRIBE "#" refused: not authorized/);
  });

  it('a denied topic inside a granted filter is filtered at delivery, retained messages included', async () => {
    await start();
    const admin = await client({ clientId: 'admin', username: 'admin' });
    await admin.publishAsync('sensors/secret', 'classified', { qos: 1, retain: true });
    await admin.publishAsync('sensors/open', 'fine', { qos: 1, retain: true });
    const alice = await client({ clientId: 'alice', username: 'alice', protocolVersion: 5 });
    const got = collect(alice, 2);
    const granted = await alice.subscribeAsync('sensors/#', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    await admin.publishAsync('sensors/secret', 'live secret', { qos: 1 });
    await admin.publishAsync('sensors/live', 'live', { qos: 1 });
    expect((await got).map((m) => `${m.topic}=${m.payload}`)).toEqual([
      'sensors/open=fine',
      'sensors/live=live',
    ]);
  });

  it('anonymous clients get the lines before any user', async () => {
    await start();
    const anon = await run('mosquitto_sub', mosq('-t', 'public/#', '-t', 'sensors/#', '-d', '-W', '1'));
    expect(anon.stdout).toMatch(/Subscribed \(mid: 1\): 0, 128\n/);
  });
});

describe('ACL: publish', () => {
  it('a denied publish is dropped: 3.1.1 QoS 0 silently, v5 QoS 1 with PUBACK 0x87', async () => {
    await start();
    const admin = await client({ clientId: 'admin', username: 'admin' });
    await admin.subscribeAsync('#');
    const got = collect(admin, 1);
    const denied = await run('mosquitto_pub', mosq('-u', 'alice', '-t', 'elsewhere', '-m', 'no'));
    expect(denied.code).toBe(0); // 3.1.1 has no way to say no to a QoS 0 publish
    const alice = await client({ clientId: 'alice5', username: 'alice', protocolVersion: 5 });
    await expect(alice.publishAsync('elsewhere', 'no', { qos: 1 })).rejects.toThrow(/Not authorized/i);
    await alice.publishAsync('sensors/ok', 'yes', { qos: 1 });
    expect((await got).map((m) => m.topic)).toEqual(['sensors/ok']);
  });

  it('patterns: %c gives each client its own topics', async () => {
    await start();
    const admin = await client({ clientId: 'admin', username: 'admin' });
    await admin.subscribeAsync('devices/#');
    const got = collect(admin, 1);
    expect(
      (await run('mosquitto_pub', mosq('-i', 'dev1', '-t', 'devices/dev2/status', '-m', 'spoof'))).code,
    ).toBe(0);
    expect(
      (await run('mosquitto_pub', mosq('-i', 'dev1', '-t', 'devices/dev1/status', '-m', 'up'))).code,
    ).toBe(0);
    expect((await got).map((m) => `${m.topic}=${m.payload}`)).toEqual(['devices/dev1/status=up']);
    const own = await run(
      'mosquitto_sub',
      mosq('-i', 'dev1', '-t', 'devices/dev1/cmd', '-t', 'devices/dev2/cmd', '-d', '-W', '1'),
    );
    expect(own.stdout).toMatch(/Subscribed \(mid: 1\): 0, 128\n/);
  });
});

describe('ACL: wills', () => {
  it('a will on a writable topic is published, one on a forbidden topic is not', async () => {
    await start();
    const admin = await client({ clientId: 'admin', username: 'admin' });
    await admin.subscribeAsync('wills/#');
    const got = collect(admin, 1);
    for (const [id, topic] of [
      ['bad-will', 'wills/bob'],
      ['good-will', 'wills/alice'],
    ] as const) {
      const child = spawn(
        'mosquitto_sub',
        mosq(
          '-i',
          id,
          '-u',
          'alice',
          '-t',
          'sensors/x',
          '--will-topic',
          topic,
          '--will-payload',
          `${id} gone`,
        ),
        { stdio: 'ignore' },
      );
      children.push(child);
      await waitForLog(t!.logs, new RegExp(`Sending SUBACK to ${id}$`));
      child.kill('SIGKILL'); // dies without DISCONNECT: the will is due
    }
    expect((await got).map((m) => `${m.topic}=${m.payload}`)).toEqual(['wills/alice=good-will gone']);
    await waitForLog(t!.logs, /Will of .*bad-will.* on "wills\/bob" not published: not authorized/);
  });
});
