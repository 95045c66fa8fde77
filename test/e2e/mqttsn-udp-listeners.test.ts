/**
 * Issue 4 "UDP listeners on IPv4 and IPv6 (configurable, several at once; `-u/--udp-port PORT` on
 * the command line overrides it)":
 *   - the app with two `mqttsn_udp` lines, one IPv4 and one IPv6: a sensor on each, one broker —
 *     what the IPv4 sensor publishes reaches the IPv6 sensor's subscription;
 *   - the binary with `-u PORT`: it replaces the file's `mqttsn_udp` line and listens on PORT on
 *     both 0.0.0.0 and ::, while the file's port gets no answer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApp, startGateway } from '../../src/app.js';
import { decode, encode, type MqttSnPacket, ReturnCode } from '../../src/codec/mqttsn/index.js';
import { parseGatewayConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/observe/logger.js';
import { freePort } from '../helpers/gateway-process.js';

const cli = resolve(import.meta.dirname, '../../bin/mqttsn-gateway.js');
let app: RunningApp | undefined;
let child: ChildProcess | undefined;
const clients: UdpSnClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await app?.close();
  app = undefined;
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((ok) => child?.once('exit', ok));
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A bare MQTT-SN client over udp4 or udp6 (the shared test client speaks IPv4 only). */
class UdpSnClient {
  private readonly inbox: MqttSnPacket[] = [];
  private wake: (() => void) | undefined;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly host: string,
    private readonly port: number,
  ) {
    socket.on('message', (data) => {
      const result = decode(data);
      if (result.ok) this.inbox.push(result.packet);
      this.wake?.();
    });
  }

  static async open(host: string, port: number): Promise<UdpSnClient> {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    await new Promise<void>((ok) => socket.bind(0, host, () => ok()));
    const client = new UdpSnClient(socket, host, port);
    clients.push(client);
    return client;
  }

  send(packet: MqttSnPacket): void {
    this.socket.send(encode(packet), this.port, this.host);
  }

  /** The next message; undefined when none comes within `ms`. */
  async next(ms = 3000): Promise<MqttSnPacket | undefined> {
    const deadline = Date.now() + ms;
    while (this.inbox.length === 0 && Date.now() < deadline) {
      await new Promise<void>((ok) => {
        const timer = setTimeout(ok, Math.max(1, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          ok();
        };
      });
    }
    return this.inbox.shift();
  }

  async expect<T extends MqttSnPacket['type']>(type: T): Promise<Extract<MqttSnPacket, { type: T }>> {
    const packet = await this.next();
    if (packet?.type !== type) throw new Error(`expected ${type}, got ${packet?.type ?? 'nothing'}`);
    return packet as Extract<MqttSnPacket, { type: T }>;
  }

  close(): Promise<void> {
    return new Promise((ok) => this.socket.close(() => ok()));
  }
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sn-udp-'));
  dirs.push(dir);
  return dir;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
  });
}

describe('several MQTT-SN UDP listeners, IPv4 and IPv6', () => {
  it('two mqttsn_udp lines (127.0.0.1 and ::1): sensors on both are clients of one broker', async () => {
    const dir = tempDir();
    const text = [
      'listener 0 127.0.0.1',
      'persistence false',
      'sys_interval 0',
      'advertise_interval 0',
      'mqttsn_udp 0 127.0.0.1',
      'mqttsn_udp 0 ::1',
    ].join('\n');
    app = await startGateway(parseGatewayConfig(text, { file: 'udp.conf', baseDir: dir }), silentLogger);
    const [v4Port, v6Port] = app.mqttsnPorts;
    expect(app.mqttsnPorts).toHaveLength(2);
    const v4 = await UdpSnClient.open('127.0.0.1', v4Port ?? 0);
    const v6 = await UdpSnClient.open('::1', v6Port ?? 0);
    for (const [client, id] of [
      [v4, 'on-v4'],
      [v6, 'on-v6'],
    ] as const) {
      client.send({ type: 'CONNECT', will: false, cleanSession: true, duration: 60, clientId: id });
      expect((await client.expect('CONNACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    }
    v6.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'short', name: 'xy' } });
    expect((await v6.expect('SUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    v4.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'short', name: 'xy' },
      msgId: 2,
      payload: Buffer.from('from v4'),
    });
    expect(await v4.expect('PUBACK')).toMatchObject({ msgId: 2, returnCode: ReturnCode.ACCEPTED });
    const delivered = await v6.expect('PUBLISH');
    expect(delivered.payload.toString()).toBe('from v4');
  });

  it('the binary with -u PORT listens there on IPv4 and IPv6, instead of the file’s mqttsn_udp', async () => {
    const dir = tempDir();
    const [tcpPort, filePort, cliPort] = [await freePort(), await freePort(), await freePort()];
    const file = join(dir, 'gateway.conf');
    writeFileSync(
      file,
      [
        `listener ${tcpPort} 127.0.0.1`,
        `mqttsn_udp ${filePort} 127.0.0.1`,
        'persistence false',
        'advertise_interval 0',
      ].join('\n'),
    );
    child = spawn(process.execPath, [cli, '-c', file, '-u', String(cliPort)], { stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    while (!(await accepts(tcpPort))) {
      if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('the gateway did not start');
      await new Promise((ok) => setTimeout(ok, 50));
    }
    for (const host of ['127.0.0.1', '::1']) {
      const client = await UdpSnClient.open(host, cliPort);
      client.send({ type: 'SEARCHGW', radius: 0 });
      expect(await client.expect('GWINFO'), `GWINFO over ${host}`).toMatchObject({ type: 'GWINFO' });
    }
    const stale = await UdpSnClient.open('127.0.0.1', filePort);
    stale.send({ type: 'SEARCHGW', radius: 0 });
    expect(await stale.next(300)).toBeUndefined();
  });
});
