/**
 * The MQTT-SN gateway: starts the transports it is given, turns each datagram into a decoded
 * message from an endpoint (unwrapping the forwarder encapsulation, §5.5), and hands it to the
 * dispatcher. Every malformed datagram is logged with the peer and the codec's error and counted;
 * nothing a peer sends can crash the process.
 */
import type { BrokerApi } from '../broker/types.js';
import { decode, describe, describeError } from '../codec/mqttsn/index.js';
import { PredefinedTopicTable } from '../config/predefined-topics.js';
import type { Logger } from '../observe/logger.js';
import { printable } from '../observe/printable.js';
import type { Store, StoredGatewayState } from '../store/types.js';
import type { DatagramTransport, PeerAddress } from '../transport/types.js';
import { SnClient } from './client.js';
import { ClientRegistry } from './client-registry.js';
import type { GatewayContext } from './context.js';
import { startAdvertising } from './discovery.js';
import { answerMalformed, dispatch } from './dispatcher.js';
import { directEndpoint, type Endpoint, forwardedEndpoint } from './forwarder.js';
import { parseClientState, sleepStartOf, untransmittedOf, willOf } from './gateway-state.js';
import {
  emptyStats,
  type GatewayOptions,
  type GatewayStats,
  validateOptions,
  withDefaults,
} from './options.js';
import { retryNow, stopRetry } from './retransmit.js';
import { superviseRestoredSleep } from './sleep.js';
import { stopAllSupervision } from './supervision.js';
import { TopicRegistry } from './topic-registry.js';

export interface GatewayDeps {
  broker: BrokerApi;
  transports: DatagramTransport[];
  logger: Logger;
  /** Where per-client gateway state (topic ids, will, sleep) is saved and restored from. */
  store?: Store;
  /** Per-client state already read from `store` (saves a second store.load()). */
  restoredState?: StoredGatewayState[];
  now?: () => number;
}

export interface MqttSnGateway {
  close(): Promise<void>;
  stats(): GatewayStats;
}

export async function startMqttSnGateway(
  options: Partial<GatewayOptions>,
  deps: GatewayDeps,
): Promise<MqttSnGateway> {
  const settings = withDefaults(options);
  validateOptions(settings);
  const stats = emptyStats();
  const ctx: GatewayContext = {
    options: settings,
    broker: deps.broker,
    logger: deps.logger,
    store: deps.store,
    now: deps.now ?? Date.now,
    clients: new ClientRegistry(stats),
    predefined: PredefinedTopicTable.fromMaps(settings.predefinedTopics, settings.clientPredefinedTopics),
    stats,
    closing: false,
    pendingPublishes: 0,
  };
  countSleepBufferDrops(ctx);
  restoreClients(ctx, deps);
  const started: DatagramTransport[] = [];
  try {
    for (const transport of deps.transports) {
      await transport.start({
        datagram: (data, from) => onDatagram(ctx, data, from),
        deliveryFailed: (to) => onDeliveryFailed(ctx, to),
      });
      started.push(transport);
    }
  } catch (error) {
    ctx.closing = true;
    await Promise.allSettled(started.map((t) => t.close()));
    throw error;
  }
  const stopAdvertising = startAdvertising(ctx, deps.transports);
  return {
    stats: () => structuredClone(stats),
    close: async () => {
      if (ctx.closing) return;
      ctx.closing = true;
      stopAdvertising();
      stopAllSupervision(ctx);
      for (const client of ctx.clients.all()) stopRetry(client);
      await Promise.allSettled(deps.transports.map((t) => t.close()));
    },
  };
}

/**
 * The core bounds each MQTT-SN session's buffer (ConnectRequest.maxQueued = sleepBufferSize) and
 * drops the oldest when it is full; those drops are the gateway's sleepBufferDropped.
 */
function countSleepBufferDrops(ctx: GatewayContext): void {
  ctx.broker.on?.('messageDropped', (event) => {
    if (ctx.closing || event.reason !== 'queue-full') return;
    if (ctx.clients.get(event.clientId) !== undefined) ctx.stats.sleepBufferDropped++;
  });
}

function onDatagram(ctx: GatewayContext, data: Buffer, from: PeerAddress): void {
  if (ctx.closing) return;
  ctx.stats.datagramsIn++;
  ctx.broker.metrics.bytesReceived += data.length;
  try {
    receive(ctx, data, directEndpoint(from), true);
  } catch (error) {
    ctx.logger.error(
      `MQTT-SN ${from.key}: internal error on a datagram: ${(error as Error).stack ?? String(error)}`,
    );
  }
}

/**
 * A transmission to `to` failed at the link layer (issue 5: an XBee Transmit Status failure
 * "counts toward the client's retry"). The client at that address spends one of N_retry on what
 * it has not answered, re-sent at once (retransmit.ts retryNow). The radio cannot say which node
 * behind a forwarder it was for, so only a direct client is charged.
 */
function onDeliveryFailed(ctx: GatewayContext, to: PeerAddress): void {
  if (ctx.closing) return;
  ctx.stats.linkDeliveryFailures++;
  const client = ctx.clients.at(to.key);
  if (client?.retry === undefined) return;
  ctx.logger.info(
    `MQTT-SN client ${client.logName}: link-layer delivery failure, counted as an unanswered try (MQTT-SN §6.13)`,
  );
  retryNow(client);
}

/**
 * Decode and dispatch one message. A forwarder's encapsulation (§5.5) is unwrapped once: the
 * wireless node becomes the endpoint, and its inner message is decoded on its own, so a bad inner
 * message is reported against the node. An encapsulation inside an encapsulation is refused.
 */
function receive(ctx: GatewayContext, data: Buffer, endpoint: Endpoint, outermost: boolean): void {
  const result = decode(data);
  if (result.ok && result.packet.type === 'ENCAPSULATED') {
    const { inner, wirelessNodeId } = result.packet;
    if (!outermost || !Buffer.isBuffer(inner)) {
      malformed(ctx, endpoint.key, data.length, 'an encapsulation inside an encapsulation (MQTT-SN §5.5)');
      return;
    }
    receive(ctx, inner, forwardedEndpoint(endpoint.peer, wirelessNodeId), false);
    return;
  }
  if (data.length > ctx.options.maxMessageSize) {
    ctx.stats.oversized++;
    ctx.stats.oversizedReceived++;
    ctx.logger.warn(
      `MQTT-SN ${endpoint.key}: datagram of ${data.length} octets dropped: maxMessageSize is ${ctx.options.maxMessageSize}`,
    );
    return;
  }
  if (!result.ok) {
    malformed(ctx, endpoint.key, data.length, describeError(result.error));
    answerMalformed(ctx, endpoint, result.error);
    return;
  }
  if (ctx.logger.debugEnabled) ctx.logger.debug(`MQTT-SN ${endpoint.key} -> ${describe(result.packet)}`);
  dispatch(ctx, endpoint, result.packet);
}

function malformed(ctx: GatewayContext, peer: string, size: number, reason: string): void {
  ctx.stats.malformed++;
  ctx.logger.warn(`MQTT-SN ${peer}: malformed datagram (${size} octets): ${reason}`);
}

/**
 * Clients of a previous run (store.saveGatewayState): topic ids and will come back; a client that
 * was asleep is asleep again, its sleep timer counting from when it fell asleep (not from this
 * start-up), so its will fires on time if it never wakes — at once if the sleep already expired.
 */
function restoreClients(ctx: GatewayContext, deps: GatewayDeps): void {
  let saved: StoredGatewayState[] = deps.restoredState ?? [];
  if (deps.restoredState === undefined && deps.store !== undefined) {
    try {
      saved = deps.store.load().gatewayState;
    } catch (error) {
      ctx.logger.error(`MQTT-SN gateway: cannot read saved client state: ${(error as Error).message}`);
    }
  }
  for (const entry of saved) {
    const state = parseClientState(entry.state);
    if (state === undefined) {
      ctx.logger.warn(`MQTT-SN gateway: saved state of ${printable(entry.clientId)} not understood, ignored`);
      continue;
    }
    const client = new SnClient(
      entry.clientId,
      new TopicRegistry(ctx.predefined.maxTopicId + 1, ctx.options.maxTopicsPerClient),
    );
    client.cleanSession = false;
    client.stateSaved = true;
    client.topics.restore(state.topics);
    client.will = willOf(state);
    for (const id of untransmittedOf(state)) client.untransmitted.add(id);
    ctx.clients.add(client);
    if (state.asleep !== undefined && state.asleep > 0) {
      ctx.clients.setState(client, { kind: 'asleep', duration: state.asleep });
      superviseRestoredSleep(ctx, client, state.asleep, sleepStartOf(state, ctx.now()));
    }
  }
  if (saved.length > 0) ctx.logger.info(`MQTT-SN gateway: restored the state of ${saved.length} client(s)`);
}
