/**
 * A whole gateway for conformance tests: broker core, UDP transport on 127.0.0.1 (port from the
 * OS), the MQT-SN gateway, and the MQTT TCP listener so MQTT.js / mosquitto_sub can watch.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { createBroker } from '../../../src/broker/index.js';
import type { BrokerApi, BrokerOptions } from '../../../src/broker/types.js';
import { type MqttSnGateway, startMqttSnGateway } from '../../../src/gateway/index.js';
import type { GatewayOptions } from '../../../src/gateway/options.js';
import { type MqttListener, startMqttListener } from '../../../src/mqtt/listener.js';
import { createLogger, type Logger, silentLogger } from '../../../src/observe/logger.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import type { Store } from '../../../src/store/types.js';
import { createUdpTransport, type UdpTransport } from '../../../src/transport/udp.js';

export interface Harness {
  broker: BrokerApi;
  gateway: MqttSnGateway;
  udp: UdpTransport;
  mqtt: MqttListener;
  store: Store;
  logLines: string[];
  /** UDP port of the gateway. */
  port: number;
  close(): Promise<void>;
}

export interface HarnessOptions {
  gateway?: Partial<GatewayOptions>;
  broker?: Partial<BrokerOptions>;
  store?: Store;
  /** Reuse this UDP port (gateway restart tests). */
  port?: number;
  /** Log at debug level (the `-v` packet trace) into logLines. */
  debug?: boolean;
  /** Where the UDP transport broadcasts (ADVERTISE tests). */
  broadcast?: { address: string; port: number };
  /** The gateway's clock (keep-alive and sleep supervision), epoch ms. */
  now?: () => number;
}

/** Test defaults: fast retransmission, no ADVERTISE noise. */
export const FAST: Partial<GatewayOptions> = { tRetry: 0.2, nRetry: 2, advertiseInterval: 0 };

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const logLines: string[] = [];
  const logger: Logger = process.env.SN_TEST_LOG
    ? createLogger('debug')
    : createLogger(options.debug ? 'debug' : 'info', (line) => logLines.push(line));
  const store = options.store ?? createMemoryStore();
  const broker = createBroker({ sysInterval: 0, ...options.broker }, { logger: silentLogger, store });
  const udp = createUdpTransport(
    {
      port: options.port ?? 0,
      host: '127.0.0.1',
      broadcastAddress: options.broadcast?.address,
      broadcastPort: options.broadcast?.port,
    },
    silentLogger,
  );
  const gateway = await startMqttSnGateway(
    { ...FAST, ...options.gateway },
    { broker, transports: [udp], logger, store, ...(options.now ? { now: options.now } : {}) },
  );
  const listener = await startMqttListener({ port: 0, host: '127.0.0.1' }, broker, {}, silentLogger);
  return {
    broker,
    gateway,
    udp,
    mqtt: listener,
    store,
    logLines,
    port: udp.port,
    close: async () => {
      await gateway.close();
      await listener.close();
      await broker.close();
    },
  };
}

export interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

/** An MQTT.js subscriber on the harness's TCP listener, collecting what it receives. */
export class MqttWatcher {
  readonly messages: Received[] = [];
  private waiter: (() => void) | undefined;

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain });
      this.waiter?.();
    });
  }

  static async subscribe(port: number, filter: string, qos: 0 | 1 | 2 = 2): Promise<MqttWatcher> {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, clean: true });
    await client.subscribeAsync(filter, { qos });
    return new MqttWatcher(client);
  }

  /** Wait until `count` messages have arrived in total; returns them. */
  async waitFor(count: number, timeoutMs = 5000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`only ${this.messages.length} of ${count} MQTT messages within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.messages.slice(0, count);
  }

  async publish(topic: string, payload: string, qos: 0 | 1 | 2 = 0, retain = false): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos, retain });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Poll `condition` until it holds (bounded): for outcomes with no packet to wait for. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
