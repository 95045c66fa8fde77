/**
 * The set-up the broker conformance tests (test/conformance/broker) share: the test's broker
 * (startTestBroker) and every raw client the test connected, all closed after the test, so a failed
 * assertion never leaves a socket open; plus the CONNECT fields of a session that outlives its
 * connection and a plain PUBLISH packet.
 */
import type { IPublishPacket } from 'mqtt-packet';
import { afterEach, beforeEach } from 'vitest';
import type { BrokerApi, BrokerOptions } from '../../../src/broker/types.js';
import type { MqttFrontEndOptions, MqttListener } from '../../../src/mqtt/listener.js';
import { startTestBroker, type TestBroker } from './harness.js';
import { type ProtocolVersion, RawClient } from './raw-client.js';

/** The test's broker, seen through the same names as a TestBroker (port, broker, listener, logs). */
export class RawBroker {
  private current: TestBroker | undefined;
  private readonly clients: RawClient[] = [];

  private get started(): TestBroker {
    if (this.current === undefined) throw new Error('no broker started for this test (call start())');
    return this.current;
  }

  get port(): number {
    return this.started.port;
  }

  get broker(): BrokerApi {
    return this.started.broker;
  }

  get listener(): MqttListener {
    return this.started.listener;
  }

  get logs(): string[] {
    return this.started.logs;
  }

  /** Starts the test's broker with these options, closing the one before if it is still open. */
  async start(
    frontEnd: Partial<MqttFrontEndOptions> = {},
    brokerOptions: Partial<BrokerOptions> = {},
  ): Promise<void> {
    await this.close();
    this.current = await startTestBroker(frontEnd, brokerOptions);
  }

  async close(): Promise<void> {
    const broker = this.current;
    this.current = undefined;
    await broker?.close();
  }

  /** RawClient.connected to `port` (the test's broker unless given); destroyed after the test. */
  async connected(
    version: ProtocolVersion,
    clientId: string,
    extra: Record<string, unknown> = {},
    port = this.port,
  ): ReturnType<typeof RawClient.connected> {
    const r = await RawClient.connected(port, version, clientId, extra);
    this.clients.push(r.client);
    return r;
  }

  /** A client the test opened itself, destroyed after the test like the connected ones. */
  keep(client: RawClient): RawClient {
    this.clients.push(client);
    return client;
  }

  destroyClients(): void {
    for (const client of this.clients.splice(0)) client.destroy();
  }

  /** Destroys every client the test connected, then closes its broker. */
  async closeAll(): Promise<void> {
    this.destroyClients();
    await this.close();
  }
}

/** A broker started with `frontEnd` options before each test of the file; closed with its clients after it. */
export function brokerForEachTest(frontEnd: Partial<MqttFrontEndOptions> = {}): RawBroker {
  const fixture = new RawBroker();
  beforeEach(() => fixture.start(frontEnd));
  afterEach(() => fixture.closeAll());
  return fixture;
}

/** Each test of the file starts its broker (start() with its options); closed with its clients after it. */
export function brokerStartedByEachTest(): RawBroker {
  const fixture = new RawBroker();
  afterEach(() => fixture.closeAll());
  return fixture;
}

/** CONNECT fields of a session kept after the connection: clean=false; v5 also 60 s session expiry. */
export function persistent(v: 4 | 5): Record<string, unknown> {
  return v === 5 ? { clean: false, properties: { sessionExpiryInterval: 60 } } : { clean: false };
}

/** A PUBLISH that is neither retained nor a duplicate; `messageId` for QoS 1 and 2. */
export function publish(topic: string, payload: string, qos: 0 | 1 | 2, messageId?: number): IPublishPacket {
  const p: IPublishPacket = {
    cmd: 'publish',
    topic,
    payload: Buffer.from(payload),
    qos,
    retain: false,
    dup: false,
  };
  if (messageId !== undefined) p.messageId = messageId;
  return p;
}
