/**
 * Issue 3, what the store keeps across `kill -9` of the real binary, seen by MQTT clients:
 * - a v5 will whose delay is pending at the kill is published after the restart, when due
 *   [MQTT-3.1.3-9]; a session whose expiry elapsed while the gateway was down is gone after the
 *   restart and its will is published [MQTT-3.1.2-8];
 * - the QoS 2 receive state: a PUBLISH re-sent after PUBREC (and a kill) is acknowledged again but
 *   never delivered twice [MQTT-4.3.3-10]; an outgoing QoS 2 whose PUBREC was answered with PUBREL
 *   goes on with PUBREL, not with the PUBLISH [MQTT-4.4.0-1];
 * - v5 subscription options and identifiers (no local, retain as published, subscription id)
 *   [MQTT-3.8.3-3] [MQTT-3.3.4-3] [MQTT-3.8.3-4];
 * - message expiry: a retained or queued message that expired while the gateway was down is gone,
 *   a live one keeps a reduced expiry interval [MQTT-3.3.2-5] [MQTT-3.3.2-6].
 *
 * One scenario: everything is set up, made durable, the gateway killed, left down for 1.5 s, and
 * started again; the tests then look at what came back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, GatewayProcess } from '../helpers/gateway-process.js';
import { type ProtocolVersion, RawClient } from '../helpers/mqtt/raw-client.js';

const DOWN_MS = 1500;
const SESSION = { sessionExpiryInterval: 3600 };

let directory = '';
let configFile = '';
let port = 0;
let gateway: GatewayProcess | undefined;
const clients: RawClient[] = [];
/** What the will subscriber received before the kill (must be nothing on wills/#). */
let willsBeforeKill: string[] = [];
/** The QoS 2 message the subscriber had got PUBREL for, without answering PUBCOMP, at the kill. */
let releasedPacketId = 0;

async function connect(clientId: string, version: ProtocolVersion, extra: Record<string, unknown>) {
  const connected = await RawClient.connected(port, version, clientId, extra);
  clients.push(connected.client);
  return connected;
}

function publish(topic: string, fields: Partial<IPublishPacket>): Packet {
  return { cmd: 'publish', topic, payload: Buffer.from(topic), qos: 0, dup: false, retain: false, ...fields };
}

/** Waits for a log line of the gateway (bounded). */
async function logged(text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!gateway?.log.includes(text)) {
    if (Date.now() > deadline) throw new Error(`no log line '${text}':\n${gateway?.log}`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

/**
 * Everything submitted to the store so far is durable: a QoS 1 PUBLISH queued for a persistent
 * session is acknowledged only after its store flush, and flushes complete in submission order.
 */
async function durable(barrier: RawClient, messageId: number): Promise<void> {
  barrier.send(publish('barrier', { qos: 1, messageId }));
  await barrier.expect('puback');
}

/** Publishes until `until` says stop, or rejects after `ms`. */
async function publishesOn(client: RawClient, ms: number, until: (p: IPublishPacket) => boolean) {
  const got: IPublishPacket[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const packet = await client.next(Math.max(1, deadline - Date.now()));
    if (packet.cmd !== 'publish') continue;
    got.push(packet);
    if (packet.qos === 1) client.send({ cmd: 'puback', messageId: packet.messageId });
    if (until(packet)) return got;
  }
}

async function setUpAndKill(): Promise<void> {
  gateway = await GatewayProcess.start(configFile, port);

  // The will subscriber: persistent, connected until the kill.
  const { client: willSub } = await connect('will-sub', 5, { clean: false, properties: SESSION });
  willSub.send({
    cmd: 'subscribe',
    messageId: 1,
    subscriptions: [
      { topic: 'wills/#', qos: 1 },
      { topic: 'barrier', qos: 1 },
    ],
  });
  await willSub.expect('suback');

  // QoS 2 subscriber that will hold a PUBREL unanswered; QoS 1 subscriber of the inbound QoS 2 test.
  const { client: q2Out } = await connect('q2-out', 4, { clean: false });
  q2Out.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q2out', qos: 2 }] });
  await q2Out.expect('suback');
  const { client: q2Sub } = await connect('q2-sub', 4, { clean: false });
  q2Sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q2in/#', qos: 1 }] });
  await q2Sub.expect('suback');
  q2Sub.destroy();

  // v5 options: no local, retain as published, subscription identifier 42; offline afterwards.
  const { client: options } = await connect('options', 5, { clean: false, properties: SESSION });
  options.send({
    cmd: 'subscribe',
    messageId: 1,
    properties: { subscriptionIdentifier: 42 },
    subscriptions: [{ topic: 'opt/#', qos: 1, nl: true, rap: true, rh: 0 }],
  });
  await options.expect('suback');
  options.send(publish('opt/self', { qos: 1, messageId: 2 })); // no local: never queued for itself
  await options.expect('puback');
  options.destroy();

  const { client: publisher } = await connect('publisher', 5, { clean: true });
  let id = 1;
  for (const [topic, expiry, retain] of [
    ['opt/short', 1, true],
    ['opt/long', 3600, true],
    ['opt/queued-short', 1, false],
    ['opt/queued-long', 3600, false],
  ] as const) {
    publisher.send(
      publish(topic, { qos: 1, messageId: id++, retain, properties: { messageExpiryInterval: expiry } }),
    );
    await publisher.expect('puback');
  }

  // Outgoing QoS 2: PUBLISH → PUBREC from us → PUBREL from the gateway; PUBCOMP never sent.
  publisher.send(publish('q2out', { qos: 2, messageId: id++ }));
  await publisher.expect('pubrec');
  const delivered = await q2Out.expect('publish');
  q2Out.send({ cmd: 'pubrec', messageId: delivered.messageId });
  releasedPacketId = (await q2Out.expect('pubrel')).messageId ?? 0;

  // Inbound QoS 2: PUBREC received, PUBREL not yet sent.
  const { client: q2In } = await connect('q2-in', 4, { clean: false });
  q2In.send(publish('q2in/once', { qos: 2, messageId: 7 }));
  await q2In.expect('pubrec');

  // A will delayed by 5 s, and a will whose session (expiry 1 s) ends while the gateway is down.
  const will = (topic: string, delay: number) => ({
    topic,
    payload: Buffer.from(topic),
    qos: 1,
    retain: false,
    properties: { willDelayInterval: delay },
  });
  const { client: delayed } = await connect('delayed', 5, {
    clean: false,
    properties: SESSION,
    will: will('wills/delayed', 5),
  });
  const { client: expiring } = await connect('expiring', 5, {
    clean: false,
    properties: { sessionExpiryInterval: 1 },
    will: will('wills/expired', 600),
  });
  delayed.destroy();
  expiring.destroy();
  await logged('Client delayed closed its connection');
  await logged('Client expiring closed its connection');
  await durable(publisher, id++);
  await willSub.expect('publish'); // the barrier message
  willsBeforeKill = willSub
    .pending()
    .filter((p): p is IPublishPacket => p.cmd === 'publish' && p.topic.startsWith('wills/'))
    .map((p) => p.topic);

  await gateway.kill();
  for (const client of clients.splice(0)) client.destroy();
  await new Promise((ok) => setTimeout(ok, DOWN_MS));
  gateway = await GatewayProcess.start(configFile, port);
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'mqttsn-restart-'));
  port = await freePort();
  configFile = join(directory, 'gateway.conf');
  writeFileSync(
    configFile,
    [
      `listener ${port} 127.0.0.1`,
      'mqttsn_udp 0 127.0.0.1',
      'sys_interval 0',
      'persistence_location ./data',
      '',
    ].join('\n'),
  );
  await setUpAndKill();
}, 30_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await gateway?.kill();
  rmSync(directory, { recursive: true, force: true });
});

describe('after kill -9 and a restart of the binary', () => {
  it('a will delayed at the kill is published when due; an expired session is gone and its will out', async () => {
    expect(willsBeforeKill).toEqual([]);
    const { client, connack } = await connect('will-sub', 5, { clean: false, properties: SESSION });
    expect(connack.sessionPresent).toBe(true);
    const wills = new Set<string>();
    await publishesOn(client, 15_000, (p) => {
      if (p.topic.startsWith('wills/')) wills.add(p.topic);
      return wills.size === 2;
    });
    expect([...wills].sort()).toEqual(['wills/delayed', 'wills/expired']);
    const back = await connect('expiring', 5, { clean: false, properties: { sessionExpiryInterval: 1 } });
    expect(back.connack.sessionPresent).toBe(false);
  }, 20_000);

  it('a QoS 2 PUBLISH re-sent after PUBREC is acknowledged again and delivered once', async () => {
    const { client: q2In, connack } = await connect('q2-in', 4, { clean: false });
    expect(connack.sessionPresent).toBe(true);
    q2In.send(publish('q2in/once', { qos: 2, messageId: 7, dup: true }));
    await q2In.expect('pubrec');
    q2In.send({ cmd: 'pubrel', messageId: 7 });
    await q2In.expect('pubcomp');
    // A later message marks the end: delivery is in order, so a second copy would come before it.
    q2In.send(publish('q2in/after', { qos: 1, messageId: 8 }));
    await q2In.expect('puback');
    const { client: q2Sub } = await connect('q2-sub', 4, { clean: false });
    const got = await publishesOn(q2Sub, 5000, (p) => p.topic === 'q2in/after');
    expect(got.map((p) => p.topic)).toEqual(['q2in/once', 'q2in/after']);
  });

  it('an outgoing QoS 2 in the released state resumes with PUBREL, not the PUBLISH', async () => {
    expect(releasedPacketId).toBeGreaterThan(0);
    const { client } = await connect('q2-out', 4, { clean: false });
    const pubrel = await client.expect('pubrel');
    expect(pubrel.messageId).toBe(releasedPacketId);
    client.send({ cmd: 'pubcomp', messageId: releasedPacketId });
    await client.expectSilence(300);
  });

  it('v5 subscription options and identifier come back; expired queued and retained messages do not', async () => {
    const { client, connack } = await connect('options', 5, { clean: false, properties: SESSION });
    expect(connack.sessionPresent).toBe(true);
    const queued = await publishesOn(client, 5000, (p) => p.topic === 'opt/queued-long');
    expect(queued.map((p) => p.topic)).toEqual(['opt/long', 'opt/queued-long']);
    for (const p of queued) {
      expect(p.properties?.subscriptionIdentifier).toBe(42);
      expect(p.properties?.messageExpiryInterval).toBeLessThan(3600);
      expect(p.properties?.messageExpiryInterval).toBeGreaterThan(3000);
    }
    // Retain as published: the retained one keeps its flag on a live subscription.
    expect(queued[0]?.retain).toBe(true);
    // No local: its own publish is not sent back.
    client.send(publish('opt/self-again', { qos: 1, messageId: 3 }));
    await client.expect('puback');
    await client.expectSilence(300);
    // A new subscriber sees only the retained message that had not expired.
    const { client: fresh } = await connect('fresh', 5, { clean: true });
    fresh.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'opt/#', qos: 1 }] });
    await fresh.expect('suback');
    const retained = await fresh.expect('publish');
    expect([retained.topic, retained.retain]).toEqual(['opt/long', true]);
    await fresh.expectSilence(300);
  });
});
