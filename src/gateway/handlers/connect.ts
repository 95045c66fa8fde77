/**
 * CONNECT and the will handshake (MQTT-SN §6.2, §6.3): WILLTOPICREQ → WILLTOPIC → WILLMSGREQ →
 * WILLMSG → CONNACK, then the client is a broker session like any MQTT client.
 *
 * Decisions (DESIGN.md "MQTT-SN decisions"):
 * - CleanSession=0 → cleanStart false and a session that never expires (sessionExpiry 0xFFFFFFFF,
 *   as MQTT 3.1.1 does for cleanSession=0); CleanSession=1 → cleanStart true, sessionExpiry 0.
 * - CleanSession=0, Will=0 keeps the stored will (§6.3): the gateway hands the core the will it
 *   remembers, since a core CONNECT without a will would clear it.
 * - An empty ClientId, or one longer than maxClientIdLength (default 23, §5.3.1), gets CONNACK 0x03
 *   "not supported": MQTT-SN has no way to tell a client an id assigned by the gateway. Except on
 *   a line configured with a ClientId (options.clientIdByTransport): the empty one means that id.
 * - maxClients clients holding a slot (active, asleep, awake) → CONNACK 0x01 congestion.
 * - A CONNECT routes by ClientId: a client reconnecting from a new address keeps its session
 *   (NAT rebinding, NB-IoT). A different client still active at this address is lost (will
 *   published): its device is gone, as when an MQTT connection drops without DISCONNECT; a sleeping
 *   one only loses the address (lifecycle.ts claimAddress).
 */
import { ReasonCode, type Will } from '../../broker/types.js';
import {
  type ConnectPacket,
  ReturnCode,
  type WillMsgPacket,
  type WillTopicPacket,
} from '../../codec/mqttsn/index.js';
import { SnClient } from '../client.js';
import { type GatewayContext, send } from '../context.js';
import { NotConnected, SnRejection } from '../errors.js';
import type { Endpoint } from '../forwarder.js';
import { saveClientState } from '../gateway-state.js';
import { claimAddress, declareLost, detachForReconnect, forgetIfClean } from '../lifecycle.js';
import { createLink, linkInfo } from '../link.js';
import { awaitAnswer, stopRetry } from '../retransmit.js';
import { supervise } from '../supervision.js';
import { isValidTopicName, TopicRegistry } from '../topic-registry.js';
import type { Inbound } from './types.js';

export const NEVER_EXPIRES = 0xffffffff;

export function handleConnect(ctx: GatewayContext, { endpoint, packet }: Inbound<ConnectPacket>): void {
  const id = packet.clientId || lineClientId(ctx, endpoint);
  if (id.length === 0 || id.length > ctx.options.maxClientIdLength) {
    throw new SnRejection(
      ReturnCode.NOT_SUPPORTED,
      `ClientId of ${id.length} characters refused (1..${ctx.options.maxClientIdLength} accepted)`,
    );
  }
  // Before anything changes: a refused CONNECT (a spoofed address) must not disturb the real client.
  const admission = ctx.options.security?.admit(id, endpoint.key) ?? { ok: true };
  if (!admission.ok) throw new SnRejection(ReturnCode.NOT_SUPPORTED, `not admitted: ${admission.why}`);
  let client = ctx.clients.get(id);
  if (client === undefined || !ctx.clients.holdsSlot(client)) {
    if (ctx.clients.connectedCount() >= ctx.options.maxClients) {
      ctx.stats.congestion++;
      ctx.stats.refusedMaxClients++;
      throw new SnRejection(ReturnCode.CONGESTION, `maxClients (${ctx.options.maxClients}) reached`);
    }
  }
  if (client === undefined) {
    client = new SnClient(
      id,
      new TopicRegistry(ctx.predefined.maxTopicId + 1, ctx.options.maxTopicsPerClient),
    );
    ctx.clients.add(client);
  }
  claimAddress(ctx, client, endpoint);
  client.username = admission.username;
  const redeliveryQueued = detachForReconnect(ctx, client, !packet.cleanSession);
  if (!packet.will) {
    const will = packet.cleanSession ? undefined : client.will;
    if (redeliveryQueued) completeAfterCoreMicrotasks(ctx, client, packet, will);
    else completeConnect(ctx, client, packet, will);
    return;
  }
  ctx.clients.setState(client, { kind: 'connecting', phase: 'willtopic', connect: packet });
  prompt(ctx, client, endpoint, 'WILLTOPICREQ');
}

/**
 * The ClientId configured for the line a CONNECT with an empty ClientId came over (gateway.conf
 * `serial DEVICE client=ID`: the one device on that line). Not for nodes behind a forwarder (§5.5).
 */
function lineClientId(ctx: GatewayContext, endpoint: Endpoint): string {
  if (endpoint.nodeHex !== undefined) return '';
  return ctx.options.clientIdByTransport?.get(endpoint.peer.transport) ?? '';
}

/** WILLTOPIC during the handshake; an empty one means "no will" (§5.4.7, §6.3). */
export function handleWillTopic(ctx: GatewayContext, { client, packet }: Inbound<WillTopicPacket>): void {
  const state = client?.state;
  if (client === undefined || client.endpoint === undefined || state?.kind !== 'connecting') {
    throw new NotConnected('WILLTOPIC outside a will handshake');
  }
  if (state.phase === 'willmsg') {
    prompt(ctx, client, client.endpoint, 'WILLMSGREQ'); // our WILLMSGREQ was lost: ask again
    return;
  }
  if (packet.will === null) {
    stopRetry(client);
    completeConnect(ctx, client, state.connect, undefined);
    return;
  }
  if (!isValidTopicName(packet.will.topic)) {
    stopRetry(client);
    ctx.clients.setState(client, { kind: 'disconnected' });
    throw new SnRejection(
      ReturnCode.NOT_SUPPORTED,
      `will topic ${JSON.stringify(packet.will.topic)} is not a valid topic name`,
    );
  }
  ctx.clients.setState(client, {
    kind: 'connecting',
    phase: 'willmsg',
    connect: state.connect,
    willTopic: packet.will,
  });
  prompt(ctx, client, client.endpoint, 'WILLMSGREQ');
}

export function handleWillMsg(ctx: GatewayContext, { client, packet }: Inbound<WillMsgPacket>): void {
  const state = client?.state;
  if (client === undefined || state?.kind !== 'connecting' || state.phase !== 'willmsg' || !state.willTopic) {
    throw new NotConnected('WILLMSG outside a will handshake');
  }
  stopRetry(client);
  const { topic, qos, retain } = state.willTopic;
  completeConnect(ctx, client, state.connect, { topic, qos, retain, payload: packet.willMsg });
}

/** WILLTOPICREQ / WILLMSGREQ, re-sent every T_retry like any gateway request (§6.13). */
function prompt(
  ctx: GatewayContext,
  client: SnClient,
  endpoint: Endpoint,
  type: 'WILLTOPICREQ' | 'WILLMSGREQ',
): void {
  send(ctx, endpoint, { type });
  awaitAnswer(
    ctx,
    client,
    () => send(ctx, endpoint, { type }),
    (c, lostClient) => {
      c.logger.info(`MQTT-SN client ${lostClient.logName}: will handshake abandoned, no answer to ${type}`);
      c.clients.setState(lostClient, { kind: 'disconnected' });
      forgetIfClean(c, lostClient);
    },
  );
}

function completeConnect(
  ctx: GatewayContext,
  client: SnClient,
  connect: ConnectPacket,
  will: Will | undefined,
): void {
  const endpoint = client.endpoint;
  if (endpoint === undefined) return;
  const link = createLink(ctx, client);
  client.link = link;
  const result = ctx.broker.connect({
    clientId: client.clientId,
    cleanStart: connect.cleanSession,
    sessionExpiry: connect.cleanSession ? 0 : NEVER_EXPIRES,
    will,
    queueQos0: true,
    // The sleep buffer (§6.14) is bounded while the client sleeps, by the core (DESIGN.md).
    maxQueued: ctx.options.sleepBufferSize,
    link,
    info: linkInfo(ctx, endpoint, client.username),
  });
  if (!result.ok) {
    client.link = undefined;
    ctx.clients.setState(client, { kind: 'disconnected' });
    forgetIfClean(ctx, client);
    const congested = result.reason === ReasonCode.ServerBusy || result.reason === ReasonCode.QuotaExceeded;
    if (congested) ctx.stats.congestion++;
    throw new SnRejection(
      congested ? ReturnCode.CONGESTION : ReturnCode.NOT_SUPPORTED,
      `broker refused the session: reason 0x${result.reason.toString(16)}`,
    );
  }
  // CleanSession=0 keeps "all stored client's data" (§6.3) — unless the core no longer has the
  // session (persistent_client_expiration ended it): then the topic ids and will kept here
  // belonged to a session that is over, and go with it.
  const sessionGone = !connect.cleanSession && !result.sessionPresent;
  if (connect.cleanSession || sessionGone) client.topics.clear();
  if (sessionGone && !connect.will && will !== undefined) {
    result.session.setWill(undefined);
    will = undefined;
  }
  client.topics.resetAnnouncements();
  client.cleanSession = connect.cleanSession;
  client.will = will;
  ctx.clients.setState(client, { kind: 'active', session: result.session, keepAlive: connect.duration });
  supervise(ctx, client, connect.duration, keepAliveExpired);
  saveClientState(ctx, client);
  send(ctx, endpoint, { type: 'CONNACK', returnCode: ReturnCode.ACCEPTED });
}

/** completeConnect once the core's queued redelivery has run (lifecycle.ts detachForReconnect). */
function completeAfterCoreMicrotasks(
  ctx: GatewayContext,
  client: SnClient,
  connect: ConnectPacket,
  will: Will | undefined,
): void {
  queueMicrotask(() => {
    try {
      completeConnect(ctx, client, connect, will);
    } catch (error) {
      const endpoint = client.endpoint;
      if (!(error instanceof SnRejection) || endpoint === undefined) {
        ctx.logger.error(`MQTT-SN client ${client.logName}: CONNECT failed: ${String(error)}`);
        return;
      }
      ctx.logger.info(
        `MQTT-SN ${endpoint.key}: CONNECT refused with return code 0x0${error.returnCode}: ${error.message}`,
      );
      send(ctx, endpoint, { type: 'CONNACK', returnCode: error.returnCode });
    }
  });
}

function keepAliveExpired(ctx: GatewayContext, client: SnClient): void {
  if (client.state.kind !== 'active') return;
  declareLost(ctx, client, `no message within its keep-alive of ${client.state.keepAlive} s (MQTT-SN §6.14)`);
}
