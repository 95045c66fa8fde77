/**
 * The MQTT-SN gateway's and its transports' counters in `$SYS/broker/mqttsn/...` (issue 4: limits
 * "with counters"; issue 5: bad XBee frames "dropped and counted"), through the whole app started
 * from a gateway.conf text: real UDP clients, an XBee API 2 line over a socat pty pair, and the
 * values read back with MQTT.js and `mosquitto_sub -t '$SYS/broker/mqttsn/#' -v`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApp, startGateway } from '../../src/app.js';
import { ReturnCode } from '../../src/codec/mqttsn/index.js';
import { parseGatewayConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observe/logger.js';
import { topicLevelOf } from '../../src/observe/mqttsn-sys.js';
import { encodeXbeeFrame } from '../../src/transport/serial/framing/xbee-api.js';
import { buildReceivePacket } from '../../src/transport/serial/framing/xbee-frames.js';
import { SnTestClient } from '../helpers/mqttsn/sn-client.js';
import { createSocatPair, openFarEnd } from '../helpers/socat.js';

const SN = '$SYS/broker/mqttsn/';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startApp(lines: readonly string[]): Promise<{ app: RunningApp; logs: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'mqttsn-sys-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const config = parseGatewayConfig(
    [
      'listener 0 127.0.0.1',
      'mqttsn_udp 0 127.0.0.1',
      'persistence false',
      'advertise_interval 0',
      ...lines,
    ].join('\n'),
    { file: 'mqttsn-sys.conf', baseDir: dir },
  );
  const logs: string[] = [];
  const logger = createLogger('info', (line) => logs.push(line));
  const app = await startGateway(config, logger);
  cleanups.push(() => app.close());
  return { app, logs };
}

/** The latest retained value of every $SYS/broker/mqttsn topic, as an MQTT.js subscriber sees it. */
async function sysReader(
  port: number,
): Promise<{ values: Map<string, string>; reads(topic: string, value: string): Promise<void> }> {
  const client: MqttClient = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  cleanups.push(async () => {
    await client.endAsync(true);
  });
  const values = new Map<string, string>();
  client.on('message', (topic, payload) => values.set(topic, payload.toString()));
  await client.subscribeAsync(`${SN}#`);
  const reads = async (topic: string, value: string): Promise<void> => {
    const deadline = Date.now() + 8000;
    while (values.get(topic) !== value) {
      if (Date.now() > deadline) {
        throw new Error(`${topic}: expected ${value}, last seen ${values.get(topic) ?? '(nothing)'}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { values, reads };
}

/** `mosquitto_sub -t '$SYS/broker/mqttsn/#' -v -W seconds`: topic → value of every line printed. */
function mosquittoSubSys(port: number, seconds: number): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    execFile(
      'mosquitto_sub',
      ['-h', '127.0.0.1', '-p', String(port), '-t', `${SN}#`, '-v', '-W', String(seconds)],
      { timeout: (seconds + 5) * 1000 },
      (error, stdout) => {
        // -W ends it with exit code 27 (timed out): that is how it is meant to stop here.
        if (error && error.code !== 27) return reject(error);
        const lines = stdout.split('\n').filter((l) => l !== '');
        resolve(new Map(lines.map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)])));
      },
    );
  });
}

/** Every topic published has its row in src/gateway/README.md ("Counters in $SYS"). */
function expectDocumented(seen: Map<string, string>): void {
  const readme = readFileSync(new URL('../../src/gateway/README.md', import.meta.url), 'utf8');
  const suffixes = [...seen.keys()].map((topic) => topic.slice(SN.length).replace(/^transport\/[^/]+\//, ''));
  expect(suffixes.length).toBeGreaterThan(40);
  expect(suffixes.filter((suffix) => !readme.includes(`\`${suffix}\``))).toEqual([]);
}

async function snClient(port: number): Promise<SnTestClient> {
  const c = await SnTestClient.open({ port });
  cleanups.push(() => c.close());
  return c;
}

describe('topicLevelOf', () => {
  it('makes a transport name one safe topic level', () => {
    expect(topicLevelOf('udp 0.0.0.0:1883')).toBe('udp_0.0.0.0:1883');
    expect(topicLevelOf('udp6 [::]:1883')).toBe('udp6_[::]:1883');
    expect(topicLevelOf('serial /dev/ttyUSB0 xbee-api2')).toBe('serial_dev_ttyUSB0_xbee-api2');
    expect(topicLevelOf('a/+/#  b')).toBe('a_b');
  });
});

describe('$SYS/broker/mqttsn through the app', () => {
  it('limits, malformed and oversized datagrams, QoS −1, per-transport counters and a bad XBee checksum are readable with mosquitto_sub', async () => {
    const pair = await createSocatPair();
    cleanups.push(() => pair.dispose());
    const rawPair = await createSocatPair();
    cleanups.push(() => rawPair.dispose());
    const { app, logs } = await startApp([
      'sys_interval 1',
      'mqttsn_max_clients 1',
      'mqttsn_max_topics_per_client 1',
      'mqttsn_max_message_size 64',
      `serial ${pair.a} baud=115200 framing=xbee-api2`,
      `serial ${rawPair.a} baud=115200 framing=raw`,
    ]);
    const mqttPort = app.mqttPorts[0]!;
    const snPort = app.mqttsnPorts[0]!;
    const sys = await sysReader(mqttPort);
    const udp = `${SN}transport/udp_127.0.0.1:${snPort}/`;
    const serial = `${SN}transport/serial${pair.a.replaceAll('/', '_')}_xbee-api2/`;
    // Everything is there from the start, at zero (or open = 1).
    await sys.reads(`${SN}clients/connected`, '0');
    await sys.reads(`${serial}open`, '1');
    await sys.reads(`${serial}frames/bad_checksum`, '0');

    // mqttsn_max_clients 1: the second CONNECT gets CONNACK 0x01 (MQTT-SN §5.4.5).
    const a = await snClient(snPort);
    expect(await a.connect('sys-a')).toBe(ReturnCode.ACCEPTED);
    const b = await snClient(snPort);
    expect(await b.connect('sys-b')).toBe(ReturnCode.CONGESTION);
    // mqttsn_max_topics_per_client 1: the second REGISTER gets REGACK 0x01 (§5.4.10).
    a.send({ type: 'REGISTER', topicId: 0, msgId: 1, topicName: 'sys/one' });
    expect((await a.expect('REGACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    a.send({ type: 'REGISTER', topicId: 0, msgId: 2, topicName: 'sys/two' });
    expect((await a.expect('REGACK')).returnCode).toBe(ReturnCode.CONGESTION);
    // A short topic name needs no topic id: deliveries to it can be sent (or be too large).
    a.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 3, topic: { type: 'short', name: 'ab' } });
    expect((await a.expect('SUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);

    // A reserved MsgType (0x03 is reserved, §5.2.2): malformed.
    a.send(Buffer.from([0x02, 0x03]));
    // 100 octets in: over mqttsn_max_message_size, dropped.
    const big = Buffer.alloc(100, 0x41);
    a.send({
      type: 'PUBLISH',
      dup: false,
      qos: 0,
      retain: false,
      topic: { type: 'short', name: 'ab' },
      msgId: 0,
      payload: big,
    });
    // A QoS −1 PUBLISH from an unconnected sender (§6.8) on a short name.
    const c = await snClient(snPort);
    c.send({
      type: 'PUBLISH',
      dup: false,
      qos: -1,
      retain: false,
      topic: { type: 'short', name: 'm1' },
      msgId: 0,
      payload: Buffer.from('x'),
    });
    // 100 octets out to `a` (subscribed to ab): over the limit, not sent.
    const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0 });
    cleanups.push(async () => {
      await pub.endAsync(true);
    });
    await pub.publishAsync('ab', big);
    await pub.publishAsync('ab', 'small');
    expect((await a.expect('PUBLISH')).payload.toString()).toBe('small');

    // On the XBee line: a Receive Packet frame whose checksum is off by one.
    const radio = await openFarEnd(pair.b);
    cleanups.push(() => radio.close());
    const frame = encodeXbeeFrame(
      buildReceivePacket(Buffer.from('0013A20040A1B2C3', 'hex'), 0x1234, Buffer.from([0x02, 0x16])),
      2,
    );
    frame[frame.length - 1] = (frame[frame.length - 1]! + 1) & 0xff;
    await radio.write(frame);

    await sys.reads(`${SN}refused/max_clients`, '1');
    await sys.reads(`${SN}refused/topic_ids`, '1');
    await sys.reads(`${SN}refused/congestion`, '2');
    await sys.reads(`${SN}datagrams/malformed`, '1');
    await sys.reads(`${SN}datagrams/oversized`, '1');
    await sys.reads(`${SN}messages/oversized`, '1');
    await sys.reads(`${SN}publish/qos_minus1/received`, '1');
    await sys.reads(`${serial}frames/bad_checksum`, '1');

    // What a user sees: mosquitto_sub prints the retained values.
    const seen = await mosquittoSubSys(mqttPort, 2);
    expect(Object.fromEntries([...seen].filter(([topic]) => !topic.includes('/transport/')))).toMatchObject({
      [`${SN}clients/connected`]: '1',
      [`${SN}clients/active`]: '1',
      [`${SN}clients/asleep`]: '0',
      [`${SN}clients/lost`]: '0',
      [`${SN}refused/max_clients`]: '1',
      [`${SN}refused/topic_ids`]: '1',
      [`${SN}refused/congestion`]: '2',
      [`${SN}datagrams/malformed`]: '1',
      [`${SN}datagrams/oversized`]: '1',
      [`${SN}messages/oversized`]: '1',
      [`${SN}publish/qos_minus1/received`]: '1',
      [`${SN}publish/qos_minus1/dropped`]: '0',
      [`${SN}messages/sleep_buffer/dropped`]: '0',
      [`${SN}messages/retransmitted`]: '0',
      [`${SN}clients/declared_lost`]: '0',
      [`${SN}link/delivery_failures`]: '0',
    });
    // CONNECT ×2, REGISTER ×2, SUBSCRIBE, malformed, oversized, QoS −1 over UDP.
    expect(seen.get(`${SN}datagrams/received`)).toBe('8');
    expect(seen.get(`${udp}datagrams/received`)).toBe('8');
    expect(seen.get(`${udp}errors/send`)).toBe('0');
    expect(seen.get(`${serial}open`)).toBe('1');
    expect(seen.get(`${serial}frames/bad_checksum`)).toBe('1');
    expect(seen.get(`${serial}frames/bad_length`)).toBe('0');
    expect(seen.get(`${serial}datagrams/received`)).toBe('0');
    expect(seen.get(`${serial}reopen_attempts`)).toBe('0');
    expect(seen.get(`${SN}transport/serial${rawPair.a.replaceAll('/', '_')}_raw/packets/bad_header`)).toBe(
      '0',
    );
    expectDocumented(seen);
    // Each refusal also has its log line naming the peer.
    expect(logs.some((l) => /MQTT-SN udp:127\.0\.0\.1:\d+: malformed datagram \(2 octets\)/.test(l))).toBe(
      true,
    );
  });

  it('sleep buffer drops, retransmissions and a client declared lost after N_retry are counted', async () => {
    const { app } = await startApp(['sys_interval 1', 'sleep_buffer_size 1', 't_retry 0.3', 'n_retry 1']);
    const mqttPort = app.mqttPorts[0]!;
    const snPort = app.mqttsnPorts[0]!;
    const sys = await sysReader(mqttPort);
    const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0 });
    cleanups.push(async () => {
      await pub.endAsync(true);
    });

    // A sleeper with a buffer of 1 (§6.14): of three messages while asleep, two are dropped.
    const sleeper = await snClient(snPort);
    expect(await sleeper.connect('sys-sleeper')).toBe(ReturnCode.ACCEPTED);
    sleeper.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'short', name: 'sl' } });
    expect((await sleeper.expect('SUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    sleeper.send({ type: 'DISCONNECT', duration: 600 });
    await sleeper.expect('DISCONNECT');
    await sys.reads(`${SN}clients/asleep`, '1');
    for (const n of [1, 2, 3]) await pub.publishAsync('sl', `m${n}`);
    await sys.reads(`${SN}messages/sleep_buffer/dropped`, '2');

    // A client that never answers its QoS 1 PUBLISH: one re-send with DUP (§6.13), then lost.
    const mute = await snClient(snPort);
    expect(await mute.connect('sys-mute')).toBe(ReturnCode.ACCEPTED);
    mute.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'short', name: 'rt' } });
    expect((await mute.expect('SUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    await pub.publishAsync('rt', 'ack me', { qos: 1 });
    expect((await mute.expect('PUBLISH')).dup).toBe(false);
    expect((await mute.expect('PUBLISH')).dup).toBe(true);
    await sys.reads(`${SN}messages/retransmitted`, '1');
    await sys.reads(`${SN}clients/declared_lost`, '1');
    expect(sys.values.get(`${SN}clients/asleep`)).toBe('1');
  });

  it('a serial line that disappears shows open 0 and reopen attempts, then open 1 when it is back', async () => {
    const pair = await createSocatPair();
    cleanups.push(() => pair.dispose());
    const { app } = await startApp(['sys_interval 1', `serial ${pair.a} baud=115200 framing=raw`]);
    const sys = await sysReader(app.mqttPorts[0]!);
    const line = `${SN}transport/serial${pair.a.replaceAll('/', '_')}_raw/`;
    await sys.reads(`${line}open`, '1');
    await pair.stop();
    await sys.reads(`${line}open`, '0');
    await sys.reads(`${line}disconnects`, '1');
    await pair.restart();
    // opens comes after open and reopen_attempts in each round: all three are from this reopen.
    await sys.reads(`${line}opens`, '2');
    expect(sys.values.get(`${line}open`)).toBe('1');
    expect(Number(sys.values.get(`${line}reopen_attempts`))).toBeGreaterThanOrEqual(1);
  });

  it('sys_interval 0: nothing is published under $SYS/broker/mqttsn', async () => {
    const { app } = await startApp(['sys_interval 0']);
    const a = await snClient(app.mqttsnPorts[0]!);
    expect(await a.connect('quiet')).toBe(ReturnCode.ACCEPTED);
    const seen = await mosquittoSubSys(app.mqttPorts[0]!, 1);
    expect([...seen.keys()]).toEqual([]);
  });
});
