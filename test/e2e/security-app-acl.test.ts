/**
 * The ACL and MQTT-SN admission through the whole application (startGateway with acl_file and
 * mqttsn_admission_file), with real clients on both sides: nothing leaks through retained
 * messages or wills (MQTT and MQTT-SN), MQTT-SN clients are under the ACL of their admission
 * entry's user, a spoofed MQTT-SN address and `#` without rights get their documented outcome
 * while the legitimate clients keep working, and each refusal is counted in
 * `$SYS/broker/security/...`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReturnCode } from '../../src/codec/mqttsn/index.js';
import { collect } from '../helpers/mqtt/mqttjs.js';
import { SnTestClient } from '../helpers/mqttsn/sn-client.js';
import { AppTestKit, type TestApp } from '../unit/security/app-harness.js';
import { makeTestCerts, type TestCerts } from '../unit/security/certs.js';
import { run, waitForLog } from '../unit/security/secure-harness.js';

const ACL = `
user admin
topic readwrite #
topic read $SYS/#

user sensors
topic write sensors/#
topic read sensors/cmd/#
topic deny sensors/cmd/secret

user bob
topic read sensors/#
topic deny sensors/cmd/secret
`;

let certs: TestCerts;
const kit = new AppTestKit(() => certs);
const snClients: SnTestClient[] = [];
const SEC = '$SYS/broker/security/';

beforeAll(() => {
  certs = makeTestCerts();
  writeFileSync(join(certs.dir, 'acl'), ACL);
});
afterAll(() => certs.cleanup());
afterEach(async () => {
  for (const c of snClients.splice(0)) await c.close();
  await kit.cleanup();
});

/** A UDP port free a moment ago, for a device that must come from a known address. */
async function freeUdpPort(): Promise<number> {
  const probe = await SnTestClient.open({ port: 1 });
  const port = probe.localPort;
  await probe.close();
  return port;
}

/** The app with the ACL and an admission file binding `boiler` to 127.0.0.1:`boilerPort`. */
async function start(boilerPort: number): Promise<TestApp> {
  writeFileSync(
    join(certs.dir, 'admit'),
    [
      `client boiler address udp:127.0.0.1:${boilerPort} user sensors`,
      'client sensor-* user sensors',
      '',
    ].join('\n'),
  );
  return kit.start([
    `acl_file ${join(certs.dir, 'acl')}`,
    `mqttsn_admission_file ${join(certs.dir, 'admit')}`,
    'sys_interval 1',
  ]);
}

async function sn(t: TestApp, localPort = 0): Promise<SnTestClient> {
  const c = await SnTestClient.open({ port: t.port('mqttsn'), localPort });
  snClients.push(c);
  return c;
}

/** mosquitto_pub as `user`, retained when asked; resolves once it has exited. */
async function mosquittoPub(t: TestApp, user: string, topic: string, message: string, retain = false) {
  const r = await run('mosquitto_pub', [
    ...['-h', '127.0.0.1', '-p', String(t.port('tcp')), '-u', user, '-q', '1'],
    ...['-t', topic, '-m', message, ...(retain ? ['-r'] : [])],
  ]);
  expect(r.code).toBe(0);
}

describe('retained messages under the ACL', () => {
  it('MQTT and MQTT-SN subscribers get the retained messages they may read, never the denied one', async () => {
    const t = await start(await freeUdpPort());
    const sys = await kit.sysReader(t, { username: 'admin' });
    await mosquittoPub(t, 'admin', 'sensors/cmd/ok', 'open', true);
    await mosquittoPub(t, 'admin', 'sensors/cmd/secret', 'hidden', true);
    // MQTT: mosquitto_sub as bob on the whole tree, until the one retained message it may read.
    const bob = await run('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(t.port('tcp')), '-u', 'bob', '-t', 'sensors/#', '-v'],
      ...['--retained-only', '-W', '1'],
    ]);
    expect(bob.stdout).toBe('sensors/cmd/ok open\n');
    // MQTT-SN: the retained message comes as REGISTER + PUBLISH; the denied one is never queued,
    // so PINGRESP is the next packet after it.
    const sensor = await sn(t);
    expect(await sensor.connect('sensor-ret')).toBe(ReturnCode.ACCEPTED);
    sensor.send({
      type: 'SUBSCRIBE',
      dup: false,
      qos: 0,
      msgId: 1,
      topic: { type: 'name', name: 'sensors/cmd/#' },
    });
    expect((await sensor.expect('SUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    const register = await sensor.expect('REGISTER');
    expect(register.topicName).toBe('sensors/cmd/ok');
    sensor.send({
      type: 'REGACK',
      topicId: register.topicId,
      msgId: register.msgId,
      returnCode: ReturnCode.ACCEPTED,
    });
    const publish = await sensor.expect('PUBLISH');
    expect(publish.payload.toString()).toBe('open');
    sensor.send({ type: 'PINGREQ' });
    await sensor.expect('PINGRESP');
    await sys.reads(`${SEC}acl/read_denied`, '2');
  });
});

describe('wills under the ACL', () => {
  it("an MQTT-SN client's will on a topic it may write is published when it is lost; one elsewhere is not", async () => {
    const t = await start(await freeUdpPort());
    const admin = await kit.client(`mqtt://127.0.0.1:${t.port('tcp')}`, { username: 'admin' });
    await admin.subscribeAsync(['sensors/#', 'other/#']);
    const got = collect(admin, 1, 8000);
    const allowed = await sn(t);
    expect(
      await allowed.connect('sensor-w1', {
        duration: 1,
        will: { topic: 'sensors/will/w1', message: 'w1 lost' },
      }),
    ).toBe(ReturnCode.ACCEPTED);
    const forbidden = await sn(t);
    expect(
      await forbidden.connect('sensor-w2', {
        duration: 1,
        will: { topic: 'other/will', message: 'w2 lost' },
      }),
    ).toBe(ReturnCode.ACCEPTED);
    // Both go silent: the gateway declares them lost after keep-alive + tolerance (MQTT-SN §6.14).
    expect((await got).map((m) => `${m.topic}=${m.payload}`)).toEqual(['sensors/will/w1=w1 lost']);
    await waitForLog(t.logs, /Will of sensor-w2.* on "other\/will" not published: not authorized/, 8000);
  });
});

describe('MQTT publish under the ACL', () => {
  it('a denied v5 QoS 2 PUBLISH gets PUBREC 0x87 and is dropped; an allowed one flows; counted', async () => {
    const t = await start(await freeUdpPort());
    const sys = await kit.sysReader(t, { username: 'admin' });
    const watch = await kit.client(`mqtt://127.0.0.1:${t.port('tcp')}`, { username: 'admin' });
    await watch.subscribeAsync('#');
    const got = collect(watch, 1, 5000);
    const sensor = await kit.client(`ws://127.0.0.1:${t.port('ws')}`, {
      username: 'sensors',
      protocolVersion: 5,
    });
    await expect(sensor.publishAsync('other/x', 'not yours', { qos: 2 })).rejects.toThrow(/Not authorized/i);
    await sensor.publishAsync('sensors/x', 'mine', { qos: 2 });
    expect((await got).map((m) => `${m.topic}=${m.payload}`)).toEqual(['sensors/x=mine']);
    await sys.reads(`${SEC}acl/publish_denied`, '1');
  });
});

describe('MQTT-SN clients under the ACL of their admission entry', () => {
  it('PUBLISH outside it gets PUBACK 0x03 and is dropped, SUBSCRIBE outside it SUBACK 0x03; counted', async () => {
    const t = await start(await freeUdpPort());
    const sys = await kit.sysReader(t, { username: 'admin' });
    const watch = await kit.client(`mqtt://127.0.0.1:${t.port('tcp')}`, { username: 'admin' });
    await watch.subscribeAsync('#');
    const got = collect(watch, 1, 5000);
    const sensor = await sn(t);
    expect(await sensor.connect('sensor-acl')).toBe(ReturnCode.ACCEPTED);
    const elsewhere = await sensor.register('other/topic', 1);
    sensor.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: elsewhere },
      msgId: 2,
      payload: Buffer.from('not yours'),
    });
    expect((await sensor.expect('PUBACK')).returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    sensor.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 3, topic: { type: 'name', name: '#' } });
    expect((await sensor.expect('SUBACK')).returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    const own = await sensor.register('sensors/acl', 4);
    sensor.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: own },
      msgId: 5,
      payload: Buffer.from('mine'),
    });
    expect((await sensor.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    // Only the allowed one reached the broker.
    expect((await got).map((m) => `${m.topic}=${m.payload}`)).toEqual(['sensors/acl=mine']);
    await sys.reads(`${SEC}acl/publish_denied`, '1');
    await sys.reads(`${SEC}acl/subscribe_denied`, '1');
  });
});

describe('hostile input with the ACL on, legitimate clients served throughout', () => {
  it('a spoofed MQTT-SN address gets CONNACK 0x03; the real device keeps its session; counted', async () => {
    const boilerPort = await freeUdpPort();
    const t = await start(boilerPort);
    const sys = await kit.sysReader(t, { username: 'admin' });
    const watch = await kit.client(`mqtt://127.0.0.1:${t.port('tcp')}`, { username: 'admin' });
    await watch.subscribeAsync('sensors/#');
    const got = collect(watch, 2, 5000);
    const boiler = await sn(t, boilerPort);
    expect(await boiler.connect('boiler', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    const topicId = await boiler.register('sensors/boiler');
    const publish = (msgId: number, text: string): void =>
      boiler.send({
        type: 'PUBLISH',
        dup: false,
        qos: 1,
        retain: false,
        topic: { type: 'normal', id: topicId },
        msgId,
        payload: Buffer.from(text),
      });
    publish(2, '70');
    expect((await boiler.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    const spoof = await sn(t);
    expect(await spoof.connect('boiler')).toBe(ReturnCode.NOT_SUPPORTED);
    await waitForLog(
      t.logs,
      /MQTT-SN admission refused: ClientId 'boiler' from udp:127\.0\.0\.1:\d+ is not in/,
    );
    // Same session, same topic id: the spoofed CONNECT touched nothing.
    publish(3, '71');
    expect((await boiler.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    expect((await got).map((m) => `${m.topic}=${m.payload}`)).toEqual([
      'sensors/boiler=70',
      'sensors/boiler=71',
    ]);
    await sys.reads(`${SEC}mqttsn/refused_connects`, '1');
  });

  it('`#` without rights gets SUBACK 0x80, logged and counted; a subscriber with rights keeps receiving', async () => {
    const t = await start(await freeUdpPort());
    const sys = await kit.sysReader(t, { username: 'admin' });
    const legit = await kit.client(`ws://127.0.0.1:${t.port('ws')}`, { username: 'bob' });
    await legit.subscribeAsync('sensors/#');
    const got = collect(legit, 2, 5000);
    await mosquittoPub(t, 'admin', 'sensors/a', 'before');
    const greedy = await run('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(t.port('tcp')), '-u', 'bob', '-i', 'greedy'],
      ...['-t', '#', '-d', '-W', '1'],
    ]);
    expect(greedy.stdout).toMatch(/Subscribed \(mid: 1\): 128/);
    await waitForLog(t.logs, /Client greedy \(127\.0\.0\.1:\d+\) SUBSCRIBE "#" refused: not authorized/);
    await mosquittoPub(t, 'admin', 'sensors/b', 'after');
    expect((await got).map((m) => `${m.topic}=${m.payload}`)).toEqual([
      'sensors/a=before',
      'sensors/b=after',
    ]);
    await sys.reads(`${SEC}acl/subscribe_denied`, '1');
  });
});
