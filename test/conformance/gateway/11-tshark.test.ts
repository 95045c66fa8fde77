/**
 * Wireshark's own MQTT-SN dissector as an independent judge (issue 4 "Done when"): the exchanges
 * of a full session are captured on loopback with tshark, decoded as `mqttsn`, and must show no
 * malformed packet and no expert error.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let harness: Harness | undefined;
let capture: ChildProcess | undefined;
let dir: string | undefined;
const clients: SnTestClient[] = [];
const watchers: MqttWatcher[] = [];

afterEach(async () => {
  capture?.kill('SIGKILL');
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await harness?.close();
  harness = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', () => {});
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${out}`)),
    );
  });
}

interface Capture {
  child: ChildProcess;
  /** Packets tshark has captured so far (it prints one summary line per packet with -P). */
  count(): number;
}

/** Start tshark on lo for `port`; resolves once it runs. */
function startCapture(port: number, file: string): Promise<Capture> {
  return new Promise((resolve, reject) => {
    const child = spawn('tshark', ['-i', 'lo', '-f', `udp port ${port}`, '-w', file, '-P', '-l']);
    let lines = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      lines += d.toString().split('\n').length - 1;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('Capturing on')) resolve({ child, count: () => lines });
    });
    child.on('exit', (code) => reject(new Error(`tshark exited ${code} before capturing: ${err}`)));
  });
}

/** Poll until `condition` holds (bounded). */
async function until(condition: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stopCapture(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGINT');
  });
}

async function fullSession(h: Harness, c: SnTestClient, node: SnTestClient, pub: MqttWatcher): Promise<void> {
  c.send({ type: 'SEARCHGW', radius: 1 });
  await c.expect('GWINFO');
  await c.connect('shark', { cleanSession: false, will: { topic: 'wills/shark', message: 'bye', qos: 1 } });
  const id = await c.register('shark/data');
  c.send({
    type: 'PUBLISH',
    dup: false,
    qos: 0,
    retain: false,
    topic: { type: 'normal', id },
    msgId: 0,
    payload: Buffer.from('q0'),
  });
  c.send({
    type: 'PUBLISH',
    dup: false,
    qos: 1,
    retain: false,
    topic: { type: 'normal', id },
    msgId: 2,
    payload: Buffer.from('q1'),
  });
  await c.expect('PUBACK');
  c.send({
    type: 'PUBLISH',
    dup: false,
    qos: 2,
    retain: true,
    topic: { type: 'short', name: 'sk' },
    msgId: 3,
    payload: Buffer.alloc(300, 1),
  });
  await c.expect('PUBREC');
  c.send({ type: 'PUBREL', msgId: 3 });
  await c.expect('PUBCOMP');
  c.send({
    type: 'PUBLISH',
    dup: false,
    qos: -1,
    retain: false,
    topic: { type: 'short', name: 'm1' },
    msgId: 0,
    payload: Buffer.from('-1'),
  });
  c.send({ type: 'SUBSCRIBE', dup: false, qos: 2, msgId: 4, topic: { type: 'name', name: 'to/#' } });
  await c.expect('SUBACK');
  await pub.publish('to/shark', 'down', 2);
  const reg = await c.expect('REGISTER');
  c.send({ type: 'REGACK', topicId: reg.topicId, msgId: reg.msgId, returnCode: ReturnCode.ACCEPTED });
  const p = await c.expect('PUBLISH');
  c.send({ type: 'PUBREC', msgId: p.msgId });
  await c.expect('PUBREL');
  c.send({ type: 'PUBCOMP', msgId: p.msgId });
  c.send({ type: 'UNSUBSCRIBE', msgId: 5, topic: { type: 'name', name: 'to/#' } });
  await c.expect('UNSUBACK');
  c.send({ type: 'WILLTOPICUPD', will: { topic: 'wills/shark2', qos: 0, retain: false } });
  await c.expect('WILLTOPICRESP');
  c.send({ type: 'WILLMSGUPD', willMsg: Buffer.from('bye2') });
  await c.expect('WILLMSGRESP');
  c.send({ type: 'PINGREQ' });
  await c.expect('PINGRESP');
  c.send({ type: 'DISCONNECT', duration: 30 });
  await c.expect('DISCONNECT');
  c.send({ type: 'PINGREQ', clientId: 'shark' });
  await c.expect('PINGRESP');
  c.send({ type: 'DISCONNECT' });
  await c.expect('DISCONNECT');
  // A node behind a forwarder, and a client the gateway does not know (§6.12).
  await node.connect('shark-node');
  node.send({ type: 'PINGREQ' });
  await node.expect('PINGRESP');
  const stranger = await SnTestClient.open({ port: h.port });
  clients.push(stranger);
  stranger.send({ type: 'PINGREQ' });
  await stranger.expect('DISCONNECT');
}

describe('11 tshark decodes every exchange as valid MQTT-SN', () => {
  it('no malformed packet and no expert error in a full session', async () => {
    const h = await startHarness();
    harness = h;
    dir = mkdtempSync(join(tmpdir(), 'sn-tshark-'));
    const file = join(dir, 'capture.pcapng');
    const cap = await startCapture(h.port, file);
    capture = cap.child;
    // "Capturing on" comes before the capture really runs: probe until tshark sees a packet.
    const probe = await SnTestClient.open({ port: h.port });
    clients.push(probe);
    await until(
      () => {
        probe.send({ type: 'SEARCHGW', radius: 0 });
        return cap.count() > 0;
      },
      () => 'tshark to capture',
    );
    // Probes sent before the capture ran were counted by the gateway but never captured.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = h.gateway.stats();
    const missed = before.datagramsIn + before.datagramsOut - cap.count();
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
    watchers.push(pub);
    const c = await SnTestClient.open({ port: h.port });
    const node = await SnTestClient.open({ port: h.port, nodeId: Buffer.from([0x42]) });
    clients.push(c, node);
    await fullSession(h, c, node, pub);
    const stats = h.gateway.stats();
    await until(
      () => cap.count() + missed >= stats.datagramsIn + stats.datagramsOut,
      () =>
        `every datagram in the capture (${cap.count()} + ${missed} of ${stats.datagramsIn + stats.datagramsOut})`,
    );
    await stopCapture(capture);
    capture = undefined;
    const decodeAs = ['-r', file, '-d', `udp.port==${h.port},mqttsn`];
    const mqttsn = await run('tshark', [...decodeAs, '-Y', 'mqttsn', '-T', 'fields', '-e', 'frame.number']);
    const malformed = await run('tshark', [
      ...decodeAs,
      '-Y',
      '_ws.malformed || _ws.expert.severity >= "error"',
    ]);
    const types = await run('tshark', [...decodeAs, '-Y', 'mqttsn', '-T', 'fields', '-e', 'mqttsn.msg.type']);
    expect(mqttsn.trim().split('\n').length).toBeGreaterThan(40);
    expect(malformed.trim()).toBe('');
    // Every message type of the session was seen by the dissector (0x00 ADVERTISE excepted).
    const seen = new Set(
      types
        .split(/\s+/)
        .filter(Boolean)
        .flatMap((v) => v.split(','))
        .map((v) => Number(v)),
    );
    for (const type of [
      0x01, 0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    ]) {
      expect(seen.has(type), `MsgType 0x${type.toString(16)}`).toBe(true);
    }
  });
});
