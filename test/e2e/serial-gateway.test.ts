/**
 * Issue 5 "Done when", end to end: the real app (startGateway with a gateway.conf text) serving UDP
 * and three serial lines over socat pseudo-terminals at once —
 *   - an XBee API mode 2 line (framing=xbee-api2): a simulated local radio on the far end hands up
 *     0x90 Receive Packets from a remote sensor radio and takes the gateway's 0x10 Transmit Requests,
 *     answering each with a 0x8B Transmit Status as a real radio does;
 *   - a raw line (framing=raw): one sensor writing MQTT-SN packets as they are (mqtt-sn-tools style);
 *   - a raw line with a forwarder (MQTT-SN §5.5): two wireless nodes behind it, each its own client;
 *     and a forwarder behind a second remote radio on the XBee line (encapsulation inside 0x90/0x10).
 * The sensors CONNECT, PUBLISH, SUBSCRIBE, sleep and wake (MQTT-SN §6.14); `mosquitto_sub` sees their
 * data and `mosquitto_pub` reaches them. Then the XBee line vanishes (socat killed, as a USB adapter
 * pulled out) and comes back at the same path: UDP is served meanwhile, the gateway reopens the line,
 * and the sensor's session (topic ids, subscription) is still there without a new CONNECT.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startGateway } from '../../src/app.js';
import {
  decode,
  describe as describePacket,
  encode,
  type MqttSnPacket,
  type MsgTypeName,
  type PacketOf,
  ReturnCode,
} from '../../src/codec/mqttsn/index.js';
import { parseGatewayConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observe/logger.js';
import {
  buildReceivePacket,
  buildTransmitStatus,
  encodeXbeeFrame,
  RawDecoder,
  XbeeFrameDecoder,
} from '../../src/transport/index.js';
import { SnTestClient } from '../helpers/mqttsn/sn-client.js';
import { createSocatPair, type FarEnd, openFarEnd, type SocatPair } from '../helpers/socat.js';

const run = promisify(execFile);
const WAIT_MS = 4000;

// ---- what sits on the far end of a line ----------------------------------------------------------

/** One MQTT-SN message on a line and whose it is (a radio's 64-bit address, a node id, 'direct'). */
interface Routed {
  key: string;
  data: Buffer;
}

/** How a line carries MQTT-SN messages to and from the devices behind its far end. */
interface LineCodec {
  wrap(key: string, message: Buffer): Buffer;
  /** Messages completed by `chunk`, plus the line bytes to answer with (e.g. Transmit Status). */
  unwrap(chunk: Buffer): { routed: Routed[]; answers: Buffer[] };
}

const API_TRANSMIT_REQUEST = 0x10;
const TRANSMIT_REQUEST_HEADER = 14;

/**
 * Keys name a device: 'direct' for the device at the far end itself, or a forwarder's wireless node
 * id in hex (MQTT-SN §5.5). On an XBee line the key starts with the remote radio's 64-bit address:
 * '<src64>' or '<src64>/<node id>' for a forwarder behind that radio.
 */
function forward(key: string, message: Buffer): Buffer {
  if (key === 'direct') return message;
  return encode({ type: 'ENCAPSULATED', radius: 0, wirelessNodeId: Buffer.from(key, 'hex'), inner: message });
}

/** The device a message from the gateway is for: 'direct', or the node id of an encapsulation. */
function unforward(data: Buffer): Routed {
  const outer = decode(data);
  if (outer.ok && outer.packet.type === 'ENCAPSULATED' && Buffer.isBuffer(outer.packet.inner)) {
    return { key: outer.packet.wirelessNodeId.toString('hex'), data: outer.packet.inner };
  }
  return { key: 'direct', data };
}

/** The local XBee radio in API mode 2, relaying for remote radios keyed by their 64-bit address. */
function xbeeRadio(): LineCodec {
  const decoder = new XbeeFrameDecoder({ mode: 2 });
  return {
    wrap: (key, message) => {
      const [radio = '', node] = key.split('/');
      const src64 = Buffer.from(radio, 'hex');
      const data = forward(node ?? 'direct', message);
      return encodeXbeeFrame(buildReceivePacket(src64, src64.readUInt16BE(6), data), 2);
    },
    unwrap: (chunk) => {
      const routed: Routed[] = [];
      const answers: Buffer[] = [];
      for (const frame of decoder.push(chunk)) {
        // 0x10 Transmit Request: id | frame id | dest64(8) | dest16(2) | radius | options | RF data.
        if (frame[0] !== API_TRANSMIT_REQUEST || frame.length < TRANSMIT_REQUEST_HEADER) continue;
        const radio = frame.subarray(2, 10).toString('hex');
        const inner = unforward(frame.subarray(TRANSMIT_REQUEST_HEADER));
        routed.push({ key: inner.key === 'direct' ? radio : `${radio}/${inner.key}`, data: inner.data });
        const frameId = frame[1] ?? 0;
        if (frameId !== 0) answers.push(encodeXbeeFrame(buildTransmitStatus(frameId, 0), 2));
      }
      return { routed, answers };
    },
  };
}

/** A raw line: MQTT-SN packets as they are ('direct'), or wrapped by a forwarder per node id. */
function rawLine(): LineCodec {
  const decoder = new RawDecoder({ interByteTimeoutMs: 0 });
  return {
    wrap: forward,
    unwrap: (chunk) => ({ routed: decoder.push(chunk).map(unforward), answers: [] }),
  };
}

/** The far end of one socat pair, dispatching what the gateway sends to the devices behind it. */
class SimulatedLine {
  private far: FarEnd | undefined;
  private readonly devices = new Map<string, SerialSnClient>();

  private constructor(
    readonly pair: SocatPair,
    private readonly codec: LineCodec,
  ) {}

  static async open(codec: LineCodec): Promise<SimulatedLine> {
    const line = new SimulatedLine(await createSocatPair(), codec);
    try {
      await line.attach();
    } catch (error) {
      await line.pair.dispose();
      throw error;
    }
    return line;
  }

  /** Opens the far end (again, after the line came back). */
  async attach(): Promise<void> {
    const far = await openFarEnd(this.pair.b);
    far.port.on('data', (chunk: Buffer) => {
      const { routed, answers } = this.codec.unwrap(chunk);
      for (const answer of answers) void far.write(answer).catch(() => {});
      for (const message of routed) this.devices.get(message.key)?.deliver(message.data);
    });
    this.far = far;
  }

  device(key: string): SerialSnClient {
    const client = new SerialSnClient((message) => this.write(this.codec.wrap(key, message)));
    this.devices.set(key, client);
    return client;
  }

  async write(bytes: Buffer): Promise<void> {
    if (this.far === undefined) throw new Error('line not attached');
    await this.far.write(bytes);
  }

  async closeFarEnd(): Promise<void> {
    await this.far?.close();
    this.far = undefined;
  }

  async dispose(): Promise<void> {
    await this.closeFarEnd();
    await this.pair.dispose();
  }
}

/** An MQTT-SN sensor behind a serial line: sends packets, awaits decoded replies. */
class SerialSnClient {
  private readonly received: MqttSnPacket[] = [];
  private readonly problems: string[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly write: (message: Buffer) => Promise<void>) {}

  deliver(data: Buffer): void {
    const result = decode(data);
    if (result.ok) this.received.push(result.packet);
    else this.problems.push(`gateway sent a malformed message ${data.toString('hex')}`);
    this.wake?.();
  }

  send(packet: MqttSnPacket): Promise<void> {
    return this.write(encode(packet));
  }

  async expect<T extends MsgTypeName>(type: T, timeoutMs = WAIT_MS): Promise<PacketOf<T>> {
    return this.expectOneOf(type, type, timeoutMs);
  }

  async expectOneOf<T extends MsgTypeName, U extends MsgTypeName>(
    type: T,
    other: U,
    timeoutMs = WAIT_MS,
  ): Promise<PacketOf<T> | PacketOf<U>> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (this.problems.length > 0) throw new Error(this.problems.join('; '));
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    const packet = this.received.shift() as MqttSnPacket;
    if (packet.type !== type && packet.type !== other) {
      const wanted = new Set<string>([type, other]);
      throw new Error(`expected ${[...wanted].join(' or ')}, got ${describePacket(packet)}`);
    }
    return packet as PacketOf<T> | PacketOf<U>;
  }

  /** Packets that arrived and were not taken (should be none at the end of a step). */
  get pending(): MqttSnPacket[] {
    return this.received;
  }
}

// ---- mosquitto's own clients -------------------------------------------------------------------

class MosquittoSub {
  private out = '';
  private spawnFailed = false;
  private readonly exited: Promise<void>;

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.out += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.out += chunk.toString();
    });
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

  /** `mosquitto_sub -d -v -q 1 -t FILTER`, returned once its SUBACK has arrived (-d prints it). */
  static async start(port: number, filter: string): Promise<MosquittoSub> {
    const args = [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-t',
      filter,
      '-q',
      '1',
      '-v',
      '-d',
      '-i',
      'serial-e2e-sub',
    ];
    // stdbuf: mosquitto_sub's stdout is block-buffered on a pipe, and the test reads it line by line.
    const sub = new MosquittoSub(
      spawn('stdbuf', ['-oL', 'mosquitto_sub', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    try {
      await sub.waitForLine((line) => line.includes('received SUBACK'), 'SUBACK');
    } catch (error) {
      await sub.stop(); // else it outlives the failed set-up
      throw error;
    }
    return sub;
  }

  /** The "topic payload" lines printed by -v (debug lines start with "Client "). */
  get messages(): string[] {
    return this.out.split('\n').filter((line) => line !== '' && !line.startsWith('Client '));
  }

  async waitForLine(predicate: (line: string) => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!this.out.split('\n').some(predicate)) {
      if (Date.now() > deadline)
        throw new Error(`mosquitto_sub: no ${what} within ${WAIT_MS} ms:\n${this.out}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  waitForMessage(topic: string, payload: string): Promise<void> {
    return this.waitForLine((line) => line === `${topic} ${payload}`, `'${topic} ${payload}'`);
  }

  async stop(): Promise<void> {
    if (!this.spawnFailed && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGTERM');
    await this.exited;
  }
}

async function mosquittoPub(port: number, topic: string, message: string): Promise<void> {
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-m', message, '-q', '1'], {
    timeout: WAIT_MS,
  });
}

// ---- the set-up ----------------------------------------------------------------------------------

/** Remote radio addresses; 0x7E and 0x11 in them must be escaped on a mode 2 line. */
const XBEE_SENSOR = '0013a200407e1102';
const XBEE_FORWARDER = '0013a20040a1b2c3';
const NODE_A = '0a01';
const NODE_B = '0a02';

let dir: string;
let app: RunningApp;
let xbee: SimulatedLine;
let raw: SimulatedLine;
let forwarder: SimulatedLine;
let sub: MosquittoSub;
const logLines: string[] = [];
let mqttPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serial-gateway-'));
  xbee = await SimulatedLine.open(xbeeRadio());
  raw = await SimulatedLine.open(rawLine());
  forwarder = await SimulatedLine.open(rawLine());
  const config = parseGatewayConfig(
    [
      'listener 0 127.0.0.1',
      'mqttsn_udp 0 127.0.0.1',
      'persistence false',
      'sys_interval 0',
      'advertise_interval 0',
      `serial ${xbee.pair.a} baud=115200 framing=xbee-api2`,
      `serial ${raw.pair.a} baud=115200 framing=raw`,
      `serial ${forwarder.pair.a} baud=115200 framing=raw`,
    ].join('\n'),
    { file: 'serial-gateway.conf', baseDir: dir },
  );
  app = await startGateway(
    config,
    createLogger('info', (line) => logLines.push(line)),
  );
  mqttPort = app.mqttPorts[0] ?? 0;
  sub = await MosquittoSub.start(mqttPort, 'sensors/#');
}, 20_000);

afterAll(async () => {
  await sub?.stop();
  await app?.close();
  await Promise.all([xbee, raw, forwarder].map((line) => line?.dispose()));
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

// ---- a sensor's life, the same on every line ----------------------------------------------------

interface Session {
  /** Topic id of `sensors/<id>/temp`. */
  dataTopicId: number;
  /** Topic id of `cmd/<id>` (subscribed at QoS 1). */
  commandTopicId: number;
}

async function connectPublishSubscribe(c: SerialSnClient, id: string): Promise<Session> {
  // CleanSession=0: a sensor that keeps its subscriptions across sleep and reconnection (§6.3).
  await c.send({ type: 'CONNECT', will: false, cleanSession: false, duration: 120, clientId: id });
  expect(await c.expect('CONNACK')).toEqual({ type: 'CONNACK', returnCode: ReturnCode.ACCEPTED });

  await c.send({ type: 'REGISTER', topicId: 0, msgId: 1, topicName: `sensors/${id}/temp` });
  const regack = await c.expect('REGACK');
  expect(regack).toMatchObject({ msgId: 1, returnCode: ReturnCode.ACCEPTED });
  const dataTopicId = regack.topicId;

  await publishReading(c, dataTopicId, 2, '21.5');
  await sub.waitForMessage(`sensors/${id}/temp`, '21.5');

  await c.send({
    type: 'SUBSCRIBE',
    dup: false,
    qos: 1,
    msgId: 3,
    topic: { type: 'name', name: `cmd/${id}` },
  });
  const suback = await c.expect('SUBACK');
  expect(suback).toMatchObject({ msgId: 3, qos: 1, returnCode: ReturnCode.ACCEPTED });
  expect(suback.topicId).toBeGreaterThan(0);

  await mosquittoPub(mqttPort, `cmd/${id}`, 'led on');
  await expectCommand(c, suback.topicId, 'led on');
  return { dataTopicId, commandTopicId: suback.topicId };
}

/** QoS 1 PUBLISH of a reading (MQTT-SN §6.6), acknowledged by PUBACK. */
async function publishReading(
  c: SerialSnClient,
  topicId: number,
  msgId: number,
  value: string,
): Promise<void> {
  await c.send({
    type: 'PUBLISH',
    dup: false,
    qos: 1,
    retain: false,
    topic: { type: 'normal', id: topicId },
    msgId,
    payload: Buffer.from(value),
  });
  expect(await c.expect('PUBACK')).toMatchObject({ topicId, msgId, returnCode: ReturnCode.ACCEPTED });
}

/**
 * A QoS 1 PUBLISH from the gateway (what mosquitto_pub sent), acknowledged by the sensor. After a
 * reconnection with CleanSession=0 the gateway first REGISTERs the topic again (MQTT-SN §6.5: "when
 * the client re-connects without having set the CleanSession flag"), with the same id.
 */
async function expectCommand(c: SerialSnClient, topicId: number, payload: string): Promise<void> {
  let down = await c.expectOneOf('PUBLISH', 'REGISTER');
  if (down.type === 'REGISTER') {
    expect(down.topicId).toBe(topicId);
    await c.send({ type: 'REGACK', topicId, msgId: down.msgId, returnCode: ReturnCode.ACCEPTED });
    down = await c.expect('PUBLISH');
  }
  expect(down).toMatchObject({ qos: 1, topic: { type: 'normal', id: topicId } });
  expect(down.payload.toString()).toBe(payload);
  await c.send({ type: 'PUBACK', topicId, msgId: down.msgId, returnCode: ReturnCode.ACCEPTED });
}

/** MQTT-SN §6.14: sleep, a command arrives meanwhile, the wake-up PINGREQ fetches it, PINGRESP last. */
async function sleepAndWake(c: SerialSnClient, id: string, session: Session): Promise<void> {
  await c.send({ type: 'DISCONNECT', duration: 60 });
  await c.expect('DISCONNECT');
  await mosquittoPub(mqttPort, `cmd/${id}`, 'led off');
  await c.send({ type: 'PINGREQ', clientId: id });
  await expectCommand(c, session.commandTopicId, 'led off');
  await c.expect('PINGRESP');
  // Awake for good (a CONNECT ends the sleep, MQTT-SN §6.14) and publishing again.
  await c.send({ type: 'CONNECT', will: false, cleanSession: false, duration: 120, clientId: id });
  expect((await c.expect('CONNACK')).returnCode).toBe(ReturnCode.ACCEPTED);
  await publishReading(c, session.dataTopicId, 4, '22.0');
  await sub.waitForMessage(`sensors/${id}/temp`, '22.0');
}

// ---- the tests -----------------------------------------------------------------------------------

describe('serial lines beside UDP in the real app (issue 5)', () => {
  let xbeeSensor: SerialSnClient;
  let xbeeSession: Session;

  it('a sensor behind an XBee API mode 2 radio connects, publishes, subscribes, sleeps and wakes', async () => {
    xbeeSensor = xbee.device(XBEE_SENSOR);
    xbeeSession = await connectPublishSubscribe(xbeeSensor, 'xbee-1');
    await sleepAndWake(xbeeSensor, 'xbee-1', xbeeSession);
    expect(xbeeSensor.pending).toEqual([]);
  });

  it('a sensor on a raw line connects, publishes, subscribes, sleeps and wakes', async () => {
    const sensor = raw.device('direct');
    const session = await connectPublishSubscribe(sensor, 'raw-1');
    await sleepAndWake(sensor, 'raw-1', session);
    expect(sensor.pending).toEqual([]);
  });

  it('two wireless nodes behind a forwarder on a raw line are clients of their own (MQTT-SN §5.5)', async () => {
    const a = forwarder.device(NODE_A);
    const b = forwarder.device(NODE_B);
    const [sessionA, sessionB] = await Promise.all([
      connectPublishSubscribe(a, 'node-a'),
      connectPublishSubscribe(b, 'node-b'),
    ]);
    // A command for one node reaches that node only, wrapped with its own node id.
    await mosquittoPub(mqttPort, 'cmd/node-b', 'only b');
    await expectCommand(b, sessionB.commandTopicId, 'only b');
    await sleepAndWake(a, 'node-a', sessionA);
    expect(a.pending).toEqual([]);
    expect(b.pending).toEqual([]);
  });

  it('a forwarder behind an XBee radio: its nodes are clients of their own, replies wrapped (§5.5)', async () => {
    const node = xbee.device(`${XBEE_FORWARDER}/${NODE_A}`);
    const session = await connectPublishSubscribe(node, 'xbee-node-a');
    await sleepAndWake(node, 'xbee-node-a', session);
    expect(node.pending).toEqual([]);
  });

  it('the XBee line vanishes and comes back: UDP served meanwhile, line reopened, session kept', async () => {
    await xbee.closeFarEnd();
    await xbee.pair.stop();
    await waitForLog((line) => line.includes(xbee.pair.a) && line.includes('device lost'), 'device lost');

    // UDP is served while the line is gone.
    const udp = await SnTestClient.open({ port: app.mqttsnPorts[0] ?? 0 });
    try {
      expect(await udp.connect('udp-1')).toBe(ReturnCode.ACCEPTED);
      const topicId = await udp.register('sensors/udp-1/temp');
      udp.send({
        type: 'PUBLISH',
        dup: false,
        qos: 1,
        retain: false,
        topic: { type: 'normal', id: topicId },
        msgId: 2,
        payload: Buffer.from('while the line was down'),
      });
      expect(await udp.expect('PUBACK')).toMatchObject({ msgId: 2, returnCode: ReturnCode.ACCEPTED });
      await sub.waitForMessage('sensors/udp-1/temp', 'while the line was down');
    } finally {
      await udp.close();
    }

    await xbee.pair.restart();
    await waitForLog((line) => line.includes(xbee.pair.a) && line.includes('reopened'), 'reopened', 15_000);
    await xbee.attach();

    // Same session, no new CONNECT: its topic id and its subscription still work.
    await publishReading(xbeeSensor, xbeeSession.dataTopicId, 5, '23.0');
    await sub.waitForMessage('sensors/xbee-1/temp', '23.0');
    await mosquittoPub(mqttPort, 'cmd/xbee-1', 'back');
    await expectCommand(xbeeSensor, xbeeSession.commandTopicId, 'back');
    expect(xbeeSensor.pending).toEqual([]);
  }, 30_000);
});

async function waitForLog(predicate: (line: string) => boolean, what: string, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!logLines.some(predicate)) {
    if (Date.now() > deadline) throw new Error(`no log line '${what}' within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
