/** Fake front-end links and a small harness to drive the broker core directly (unit level). */
import { Broker, createBroker } from '../../../src/broker/index.js';
import type {
  BrokerDeps,
  BrokerOptions,
  ClientLink,
  ConnectRequest,
  Delivery,
  InboundPublish,
  LinkInfo,
  PublishOutcome,
  ReasonCode,
  SessionHandle,
} from '../../../src/broker/types.js';
import { silentLogger } from '../../../src/observe/logger.js';

/** A ClientLink that records every call the core makes. */
export class FakeLink implements ClientLink {
  readonly deliveries: Delivery[] = [];
  readonly releases: number[] = [];
  readonly closes: ReasonCode[] = [];
  drainedCalls = 0;
  /** Optional reaction to a delivery (e.g. ack at once). */
  onDeliver: ((d: Delivery) => void) | undefined;

  deliver(delivery: Delivery): void {
    this.deliveries.push(delivery);
    this.onDeliver?.(delivery);
  }
  release(packetId: number): void {
    this.releases.push(packetId);
  }
  close(reason: ReasonCode): void {
    this.closes.push(reason);
  }
  drained(): void {
    this.drainedCalls++;
  }
  payloads(): string[] {
    return this.deliveries.map((d) => d.payload.toString());
  }
}

export function linkInfo(overrides: Partial<LinkInfo> = {}): LinkInfo {
  return { protocol: 'mqtt', protocolVersion: 5, peer: '127.0.0.1:1', receiveMaximum: 10, ...overrides };
}

export function makeBroker(options: Partial<BrokerOptions> = {}, deps: Partial<BrokerDeps> = {}): Broker {
  const broker = createBroker({ sysInterval: 0, ...options }, { logger: silentLogger, ...deps });
  if (!(broker instanceof Broker)) throw new Error('createBroker did not make a Broker');
  return broker;
}

export interface Client {
  link: FakeLink;
  session: SessionHandle;
  present: boolean;
}

export function connect(
  broker: Broker,
  clientId: string,
  request: Partial<Omit<ConnectRequest, 'clientId'>> = {},
): Client {
  const link = (request.link as FakeLink | undefined) ?? new FakeLink();
  const result = broker.connect({
    clientId,
    cleanStart: true,
    sessionExpiry: 0,
    info: linkInfo(),
    ...request,
    link,
  });
  if (!result.ok) throw new Error(`connect refused: ${result.reason}`);
  return { link, session: result.session, present: result.sessionPresent };
}

/** A persistent (3.1.1 clean session 0) connection. */
export function connectPersistent(broker: Broker, clientId: string, cleanStart = false): Client {
  return connect(broker, clientId, { cleanStart, sessionExpiry: 0xffffffff });
}

let nextPacketId = 1;

/** An inbound PUBLISH; QoS 1/2 get a fresh packet id unless one is given. */
export function message(
  topic: string,
  payload: string,
  qos: 0 | 1 | 2 = 0,
  extra: Partial<InboundPublish> = {},
): InboundPublish {
  const m: InboundPublish = { topic, payload: Buffer.from(payload), qos, retain: false, ...extra };
  if (qos > 0 && m.packetId === undefined) {
    m.packetId = nextPacketId;
    nextPacketId = nextPacketId === 65535 ? 1 : nextPacketId + 1;
  }
  return m;
}

/** Publish and wait for the outcome (QoS 1/2 fire `done` asynchronously). */
export function publish(session: SessionHandle, msg: InboundPublish): Promise<PublishOutcome> {
  return new Promise((resolve) => session.publish(msg, resolve));
}

/** Let queued microtasks (retained on subscribe, redelivery after connect) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
