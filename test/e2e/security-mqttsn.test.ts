/**
 * MQTT-SN admission (MQTT-SN v1.2 has no credentials, §5.4.4) over real UDP, through the
 * gateway's security hook: allowed and refused ClientIds, a known ClientId from a spoofed
 * address, the ACL of the entry's user applied to an MQTT-SN client, and QoS −1 senders (§6.8)
 * by address and ACL. Refused CONNECT → CONNACK 0x03 "rejected: not supported" and a log line,
 * while the legitimate client keeps working.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ReturnCode } from '../../src/codec/mqttsn/index.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createAclAuthorizer, parseAclFile } from '../../src/security/acl.js';
import { parseAdmissionFile } from '../../src/security/admission.js';
import { guardedAuthorizer } from '../../src/security/guard.js';
import { createSnSecurity, type MqttSnSecurity } from '../../src/security/mqttsn.js';
import { endAll } from '../helpers/mqtt/mqttjs.js';
import { type Harness, startHarness, waitUntil } from '../helpers/mqttsn/harness.js';
import { SnTestClient } from '../helpers/mqttsn/sn-client.js';

const ACL = `
user sensors
topic write sensors/#
topic read sensors/cmd/#

user watcher
topic readwrite #
`;

let h: Harness | undefined;
let security: MqttSnSecurity;
const opened: SnTestClient[] = [];
const mqttClients: mqtt.MqttClient[] = [];

afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
  await endAll(...mqttClients.splice(0));
  await h?.close();
  h = undefined;
});

/**
 * A gateway whose admission file binds `boiler` to UDP port `boilerPort` and admits QoS −1
 * senders from port `minus1Port` only.
 */
async function start(boilerPort: number, minus1Port = boilerPort): Promise<Harness> {
  const admission = parseAdmissionFile(
    [
      `client boiler address udp:127.0.0.1:${boilerPort} user sensors`,
      'client sensor-* user sensors', // anywhere; no address, so no QoS −1 sender matches it
      `client qos-minus-one address udp:127.0.0.1:${minus1Port} user sensors`,
    ].join('\n'),
    'mqttsn-admission',
  );
  const acl = guardedAuthorizer(
    createAclAuthorizer(parseAclFile(ACL, 'acl')),
    {
      maxTopicLength: 65_535,
      maxTopicLevels: 0,
    },
    silentLogger,
  )!;
  security = createSnSecurity(admission, acl, silentLogger)!;
  h = await startHarness({
    broker: { authorizer: acl },
    gateway: {
      security,
      predefinedTopics: new Map([
        [7, 'sensors/minus1'],
        [8, 'elsewhere'],
      ]),
    },
  });
  return h;
}

async function snClient(port: number, localPort = 0): Promise<SnTestClient> {
  const c = await SnTestClient.open({ port, localPort });
  opened.push(c);
  return c;
}

/** An MQTT.js subscriber as user `watcher` (the ACL lets it read everything), recording from the start. */
async function watcher(filter: string): Promise<{ waitFor(n: number): Promise<string[]> }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${h!.mqtt.port}`, {
    reconnectPeriod: 0,
    username: 'watcher',
  });
  mqttClients.push(client);
  const got: string[] = [];
  client.on('message', (topic, payload) => got.push(`${topic}=${payload.toString()}`));
  const granted = await client.subscribeAsync(filter, { qos: 1 });
  expect(granted[0]?.qos).toBe(1);
  return {
    waitFor: async (n) => {
      await waitUntil(() => got.length >= n, 5000, `${n} MQTT messages`);
      return got.slice();
    },
  };
}

/** A UDP port free a moment ago, for a client that must come from a known port. */
async function freePort(): Promise<number> {
  const probe = await SnTestClient.open({ port: 1 });
  const port = probe.localPort;
  await probe.close();
  return port;
}

describe('MQTT-SN admission', () => {
  it('a listed client is admitted; an unlisted one gets CONNACK 0x03 and a log line', async () => {
    await start(await freePort());
    const sensor = await snClient(h!.port);
    expect(await sensor.connect('sensor-1')).toBe(ReturnCode.ACCEPTED);
    const intruder = await snClient(h!.port);
    expect(await intruder.connect('intruder')).toBe(ReturnCode.NOT_SUPPORTED);
    await waitUntil(() =>
      h!.logLines.some((l) =>
        /ClientId 'intruder' from udp:127\.0\.0\.1:\d+ is not in mqttsn-admission/.test(l),
      ),
    );
    expect(security.counters.refusedConnects).toBe(1);
  });

  it('a known ClientId from a spoofed address is refused; the real device keeps its session', async () => {
    const boilerPort = await freePort();
    await start(boilerPort);
    const w = await watcher('sensors/#');
    const boiler = await snClient(h!.port, boilerPort);
    expect(await boiler.connect('boiler')).toBe(ReturnCode.ACCEPTED);
    const topicId = await boiler.register('sensors/boiler');
    const spoof = await snClient(h!.port);
    expect(await spoof.connect('boiler')).toBe(ReturnCode.NOT_SUPPORTED);
    boiler.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: topicId },
      msgId: 2,
      payload: Buffer.from('71'),
    });
    expect((await boiler.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    expect(await w.waitFor(1)).toEqual(['sensors/boiler=71']);
  });

  it("the entry's user gives the client its ACL: PUBLISH outside it gets PUBACK 0x03, SUBSCRIBE 0x03", async () => {
    await start(await freePort());
    const sensor = await snClient(h!.port);
    expect(await sensor.connect('sensor-2')).toBe(ReturnCode.ACCEPTED);
    const other = await sensor.register('other/topic', 3);
    sensor.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: other },
      msgId: 4,
      payload: Buffer.from('x'),
    });
    expect((await sensor.expect('PUBACK')).returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    sensor.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 5, topic: { type: 'name', name: '#' } });
    expect((await sensor.expect('SUBACK')).returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    sensor.send({
      type: 'SUBSCRIBE',
      dup: false,
      qos: 0,
      msgId: 6,
      topic: { type: 'name', name: 'sensors/cmd/+' },
    });
    expect((await sensor.expect('SUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
  });

  it('QoS −1: an admitted address may publish where the ACL lets it; others are dropped and counted', async () => {
    const minus1Port = await freePort();
    await start(await freePort(), minus1Port);
    const w = await watcher('#');
    const minus1 = (c: SnTestClient, id: number, text: string): void =>
      c.send({
        type: 'PUBLISH',
        dup: false,
        qos: -1,
        retain: false,
        topic: { type: 'predefined', id },
        msgId: 0,
        payload: Buffer.from(text),
      });
    const stranger = await snClient(h!.port);
    minus1(stranger, 7, 'from a stranger');
    const admitted = await snClient(h!.port, minus1Port);
    minus1(admitted, 8, 'forbidden topic');
    minus1(admitted, 7, 'ok');
    expect(await w.waitFor(1)).toEqual(['sensors/minus1=ok']);
    await waitUntil(() => security.counters.refusedQosMinus1 === 2, 5000, 'two QoS -1 refusals');
  });
});
