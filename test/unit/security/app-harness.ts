/**
 * The whole application (startGateway) from a gateway.conf text on 127.0.0.1, port 0, with its log
 * captured, plus what the app-level security tests share: a reader of the `$SYS` counters, raw
 * sockets from a chosen source address, and a legitimate client that must keep working.
 */
import net from 'node:net';
import mqtt from 'mqtt';
import { expect } from 'vitest';
import { type RunningApp, startGateway } from '../../../src/app.js';
import { parseGatewayConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/observe/logger.js';
import { collect, endAll } from '../../helpers/mqtt/mqttjs.js';
import type { TestCerts } from './certs.js';
import { run, waitFor } from './secure-harness.js';

export interface TestApp {
  app: RunningApp;
  logs: string[];
  /** Port of the first listener of that kind. */
  port(kind: 'tcp' | 'tls' | 'ws' | 'wss' | 'mqttsn'): number;
}

/** Everything started here, for cleanup(). */
export class AppTestKit {
  private readonly apps: RunningApp[] = [];
  private readonly sockets: net.Socket[] = [];
  private readonly clients: mqtt.MqttClient[] = [];

  constructor(private readonly certs: () => TestCerts) {}

  /** startGateway with `lines` after plain, TLS and WS listeners on port 0 and persistence off. */
  async start(lines: string[]): Promise<TestApp> {
    const certs = this.certs();
    const conf = [
      'listener 0 127.0.0.1',
      'tls_listener 0 127.0.0.1',
      'ws_listener 0 127.0.0.1',
      `certfile ${certs.serverCert}`,
      `keyfile ${certs.serverKey}`,
      'mqttsn_udp 0 127.0.0.1',
      'persistence false',
      ...lines,
    ].join('\n');
    const logs: string[] = [];
    const logger = createLogger('debug', (line) => {
      logs.push(line);
      if (process.env.MQTT_TEST_LOG === '1') process.stderr.write(`${line}\n`);
    });
    const config = parseGatewayConfig(conf, { file: 'gateway.conf', baseDir: certs.dir });
    const app = await startGateway(config, logger);
    this.apps.push(app);
    return {
      app,
      logs,
      port: (kind) => {
        const ports = {
          tcp: app.mqttPorts,
          tls: app.securePorts.tls,
          ws: app.securePorts.ws,
          wss: app.securePorts.wss,
          mqttsn: app.mqttsnPorts,
        }[kind];
        const port = ports[0];
        if (port === undefined) throw new Error(`no ${kind} listener`);
        return port;
      },
    };
  }

  /** An MQTT.js client, ended by cleanup(). */
  async client(url: string, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...options });
    this.clients.push(c);
    return c;
  }

  /** A raw TCP socket from `localAddress`, flowing (so the server's FIN is seen), destroyed by cleanup(). */
  rawTcp(port: number, localAddress = '127.0.0.1'): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s));
      s.resume();
      this.sockets.push(s);
      s.on('error', reject);
    });
  }

  /**
   * A subscriber to `$SYS/broker/#` (the security counters and the core's): resolves with a
   * function that waits until `topic` reads `value`. Also a legitimate client: it must keep
   * receiving whatever the attacks do.
   */
  async sysReader(t: TestApp, options: mqtt.IClientOptions = {}): Promise<SysReader> {
    const c = await this.client(`mqtt://127.0.0.1:${t.port('tcp')}`, options);
    const values = new Map<string, string>();
    c.on('message', (topic, payload) => values.set(topic, payload.toString()));
    await c.subscribeAsync('$SYS/broker/#');
    return {
      values,
      reads: async (topic, value, ms = 5000) => {
        await waitFor(
          () => values.get(topic) === value,
          `${topic} = ${value} (now ${values.get(topic)})`,
          ms,
        );
      },
    };
  }

  /** A WS subscriber gets what mosquitto_pub sends over TLS: the broker still serves. */
  async legitimateClientWorks(t: TestApp, bindAddress = '127.0.0.1'): Promise<void> {
    const sub = await this.client(`ws://127.0.0.1:${t.port('ws')}`, {
      wsOptions: { localAddress: bindAddress },
    });
    await sub.subscribeAsync('legit/t');
    const got = collect(sub, 1, 5000);
    const pub = await run('mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', String(t.port('tls')), '--cafile', this.certs().ca, '-A', bindAddress],
      ...['-t', 'legit/t', '-m', 'still served'],
    ]);
    expect(pub.code).toBe(0);
    expect((await got)[0]?.payload).toBe('still served');
  }

  async cleanup(): Promise<void> {
    for (const s of this.sockets.splice(0)) s.destroy();
    await endAll(...this.clients.splice(0));
    for (const app of this.apps.splice(0)) await app.close();
  }
}

export interface SysReader {
  values: Map<string, string>;
  reads(topic: string, value: string, ms?: number): Promise<void>;
}

/** Resolves once the socket is closed (by the server). */
export function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    socket.on('close', () => resolve());
    socket.on('error', () => {});
  });
}
