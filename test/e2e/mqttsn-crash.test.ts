/**
 * The built binary (`node bin/mqttsn-gateway.js -c FILE`) serving a sleeping MQTT-SN sensor across a
 * `kill -9` (DESIGN.md: "a sleeping sensor's buffered messages survive kill -9"; issue 4: topic ids
 * "survive reconnects with CleanSession=0 and gateway restarts"). A sensor connects with
 * CleanSession=0, registers, subscribes and goes to sleep (MQTT-SN §6.14); `mosquitto_pub` sends it
 * a QoS 1 command, acknowledged by the broker, so durable; the gateway is killed and started again on
 * the same data directory; the sensor wakes with PINGREQ + ClientId and gets the command, then
 * publishes on its old topic id and `mosquitto_sub` sees it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MqttSnPacket, ReturnCode } from '../../src/codec/mqttsn/index.js';
import { freePort, GatewayProcess } from '../helpers/gateway-process.js';
import { SnTestClient } from '../helpers/mqttsn/sn-client.js';

const run = promisify(execFile);
const WAIT_MS = 5000;

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** `mosquitto_sub -v -d` with line-buffered output (stdbuf): "topic payload" and debug lines. */
class MosquittoSub {
  private out = '';
  private spawnFailed = false;
  private readonly exited: Promise<void>;

  constructor(
    port: number,
    filter: string,
    private readonly child: ChildProcess = spawn(
      'stdbuf',
      ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-t', filter, '-q', '1', '-v', '-d'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  ) {
    const keep = (chunk: Buffer): void => {
      this.out += chunk.toString();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // A missing binary gives 'error' and maybe no 'exit': both end the wait, the reason is kept.
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (error) => {
        this.out += `\ncannot run: ${error.message}`;
        this.spawnFailed = true;
        resolve();
      });
    });
  }

  async waitForLine(line: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!this.out.split('\n').some((l) => l.endsWith(line))) {
      if (Date.now() > deadline)
        throw new Error(`mosquitto_sub: no '${line}' within ${WAIT_MS} ms:\n${this.out}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    if (!this.spawnFailed && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGTERM');
    await this.exited;
  }
}

/**
 * The binary opens its MQTT listeners before its MQTT-SN sockets, so accepting TCP (what
 * GatewayProcess.start waits for) does not mean the UDP port is bound yet: SEARCHGW until GWINFO.
 */
async function waitForGwInfo(port: number): Promise<void> {
  const probe = await SnTestClient.open({ port });
  try {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      probe.send({ type: 'SEARCHGW', radius: 0 });
      try {
        await probe.expect('GWINFO', 100);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  } finally {
    await probe.close();
  }
}

let dir: string;
let configFile: string;
let tcpPort: number;
let udpPort: number;
let gateway: GatewayProcess | undefined;
let sensor: SnTestClient | undefined;
let sub: MosquittoSub | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mqttsn-crash-'));
  tcpPort = await freePort();
  udpPort = await freeUdpPort();
  configFile = join(dir, 'gateway.conf');
  writeFileSync(
    configFile,
    [
      `listener ${tcpPort} 127.0.0.1`,
      `mqttsn_udp ${udpPort} 127.0.0.1`,
      'persistence true',
      `persistence_location ${join(dir, 'data')}`,
      'sys_interval 0',
      'advertise_interval 0',
      '',
    ].join('\n'),
  );
  gateway = await GatewayProcess.start(configFile, tcpPort);
  await waitForGwInfo(udpPort);
  sensor = await SnTestClient.open({ port: udpPort });
}, 30_000);

afterAll(async () => {
  await sub?.stop();
  await sensor?.close();
  await gateway?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** The next packet that is not a re-REGISTER of `topicId` (MQTT-SN §6.5: sent after a reconnection). */
async function nextAfterRegister(c: SnTestClient, topicId: number): Promise<MqttSnPacket> {
  const packet = await c.next(WAIT_MS);
  if (packet.type !== 'REGISTER') return packet;
  expect(packet.topicId).toBe(topicId);
  c.send({ type: 'REGACK', topicId, msgId: packet.msgId, returnCode: ReturnCode.ACCEPTED });
  return c.next(WAIT_MS);
}

describe('a sleeping MQTT-SN sensor across kill -9 of the binary', () => {
  it('keeps its buffered command, its subscription and its topic id', async () => {
    const c = sensor as SnTestClient;
    expect(await c.connect('crash-sensor', { cleanSession: false, duration: 300 })).toBe(ReturnCode.ACCEPTED);
    const dataTopic = await c.register('sensors/crash-sensor/temp', 1);
    c.send({
      type: 'SUBSCRIBE',
      dup: false,
      qos: 1,
      msgId: 2,
      topic: { type: 'name', name: 'cmd/crash-sensor' },
    });
    const suback = await c.expect('SUBACK');
    expect(suback.returnCode).toBe(ReturnCode.ACCEPTED);
    const commandTopic = suback.topicId;

    // Sleep (MQTT-SN §6.14), then a command arrives for it, acknowledged by the broker.
    c.send({ type: 'DISCONNECT', duration: 300 });
    await c.expect('DISCONNECT');
    await run(
      'mosquitto_pub',
      ['-h', '127.0.0.1', '-p', String(tcpPort), '-t', 'cmd/crash-sensor', '-m', 'reboot', '-q', '1'],
      {
        timeout: WAIT_MS,
      },
    );

    await gateway?.kill();
    gateway = await GatewayProcess.start(configFile, tcpPort);
    await waitForGwInfo(udpPort);

    // Wake-up: the buffered command first, PINGRESP last.
    c.send({ type: 'PINGREQ', clientId: 'crash-sensor' });
    const command = await nextAfterRegister(c, commandTopic);
    expect(command).toMatchObject({ type: 'PUBLISH', qos: 1, topic: { type: 'normal', id: commandTopic } });
    if (command.type !== 'PUBLISH') throw new Error('unreachable');
    expect(command.payload.toString()).toBe('reboot');
    c.send({ type: 'PUBACK', topicId: commandTopic, msgId: command.msgId, returnCode: ReturnCode.ACCEPTED });
    await c.expect('PINGRESP');

    // Awake for good; its topic id from before the crash still names its topic.
    sub = new MosquittoSub(tcpPort, 'sensors/#');
    c.send({ type: 'CONNECT', will: false, cleanSession: false, duration: 300, clientId: 'crash-sensor' });
    expect((await c.expect('CONNACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    await sub.waitForLine('received SUBACK');
    c.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: dataTopic },
      msgId: 10,
      payload: Buffer.from('19.5'),
    });
    expect(await nextAfterRegister(c, dataTopic)).toMatchObject({
      type: 'PUBACK',
      msgId: 10,
      returnCode: ReturnCode.ACCEPTED,
    });
    await sub.waitForLine('sensors/crash-sensor/temp 19.5');
  }, 40_000);
});
