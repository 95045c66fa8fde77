/**
 * The one dispatcher (DESIGN.md principle 2): it owns who may send what in which state, routes each
 * message to its handler, and maps every refusal to the message's answer and a log line naming the
 * peer and the reason. Nothing a client sends can throw past it.
 *
 * - Messages only a gateway sends (CONNACK, SUBACK, PINGRESP …) or that concern other gateways
 *   (ADVERTISE, GWINFO) are ignored.
 * - A message that needs a connection, from an unknown or unconnected sender, is answered with a
 *   DISCONNECT (§6.12: "the gateway … cannot identify the client to which a received message belongs").
 */
import {
  type DecodeError,
  type MqttSnPacket,
  MsgType,
  type MsgTypeName,
  type PacketOf,
  ReturnCode,
  topicIdFieldValue,
} from '../codec/mqttsn/index.js';
import { attachedSession } from './client-state.js';
import { type GatewayContext, send } from './context.js';
import { handleSearchGw } from './discovery.js';
import { NotConnected, SnRejection } from './errors.js';
import type { Endpoint } from './forwarder.js';
import { handleConnect, handleWillMsg, handleWillTopic } from './handlers/connect.js';
import { handleDisconnect } from './handlers/disconnect.js';
import { handlePingreq } from './handlers/ping.js';
import {
  handlePuback,
  handlePubcomp,
  handlePublish,
  handlePubrec,
  handlePubrel,
} from './handlers/publish.js';
import { handleRegack, handleRegister } from './handlers/register.js';
import { handleSubscribe, handleUnsubscribe } from './handlers/subscribe.js';
import type { ConnectedInbound, Inbound } from './handlers/types.js';
import { handleWillMsgUpd, handleWillTopicUpd } from './handlers/will-update.js';

type AnyHandler = (ctx: GatewayContext, inbound: Inbound) => void;
type Route = { needs: 'nothing' | 'session'; handle: AnyHandler } | { needs: 'ignore' };

function open<T extends MsgTypeName>(
  handle: (ctx: GatewayContext, inbound: Inbound<PacketOf<T>>) => void,
): Route {
  return { needs: 'nothing', handle: handle as AnyHandler };
}
function connected<T extends MsgTypeName>(
  handle: (ctx: GatewayContext, inbound: ConnectedInbound<PacketOf<T>>) => void,
): Route {
  return { needs: 'session', handle: handle as AnyHandler };
}
const IGNORE: Route = { needs: 'ignore' };

const ROUTES: Record<MsgTypeName, Route> = {
  ADVERTISE: IGNORE,
  SEARCHGW: open<'SEARCHGW'>(handleSearchGw),
  GWINFO: IGNORE,
  CONNECT: open<'CONNECT'>(handleConnect),
  CONNACK: IGNORE,
  WILLTOPICREQ: IGNORE,
  WILLTOPIC: open<'WILLTOPIC'>(handleWillTopic),
  WILLMSGREQ: IGNORE,
  WILLMSG: open<'WILLMSG'>(handleWillMsg),
  REGISTER: connected<'REGISTER'>(handleRegister),
  REGACK: connected<'REGACK'>(handleRegack),
  // QoS −1 needs no connection (§6.8); the handler checks the others.
  PUBLISH: open<'PUBLISH'>(handlePublish),
  PUBACK: connected<'PUBACK'>(handlePuback),
  PUBCOMP: connected<'PUBCOMP'>(handlePubcomp),
  PUBREC: connected<'PUBREC'>(handlePubrec),
  PUBREL: connected<'PUBREL'>(handlePubrel),
  SUBSCRIBE: connected<'SUBSCRIBE'>(handleSubscribe),
  SUBACK: IGNORE,
  UNSUBSCRIBE: connected<'UNSUBSCRIBE'>(handleUnsubscribe),
  UNSUBACK: IGNORE,
  PINGREQ: open<'PINGREQ'>(handlePingreq),
  PINGRESP: IGNORE,
  DISCONNECT: open<'DISCONNECT'>(handleDisconnect),
  WILLTOPICUPD: connected<'WILLTOPICUPD'>(handleWillTopicUpd),
  WILLTOPICRESP: IGNORE,
  WILLMSGUPD: connected<'WILLMSGUPD'>(handleWillMsgUpd),
  WILLMSGRESP: IGNORE,
  // Unwrapped by gateway.ts; an encapsulation inside an encapsulation is refused there.
  ENCAPSULATED: IGNORE,
};

export function dispatch(ctx: GatewayContext, endpoint: Endpoint, packet: MqttSnPacket): void {
  const client = ctx.clients.at(endpoint.key);
  if (client !== undefined) client.lastHeard = ctx.now();
  const route = ROUTES[packet.type];
  const inbound: Inbound = { endpoint, client, packet };
  try {
    if (route.needs === 'ignore') {
      if (ctx.logger.debugEnabled)
        ctx.logger.debug(`MQTT-SN ${endpoint.key}: ignored ${packet.type} (not for a gateway)`);
      return;
    }
    if (route.needs === 'session' && (client === undefined || attachedSession(client.state) === undefined)) {
      throw new NotConnected(packet.type);
    }
    route.handle(ctx, inbound);
  } catch (error) {
    answerFailure(ctx, endpoint, packet, error);
  }
}

function answerFailure(ctx: GatewayContext, endpoint: Endpoint, packet: MqttSnPacket, error: unknown): void {
  if (error instanceof NotConnected) {
    ctx.stats.unknownSenders++;
    ctx.logger.info(
      `MQTT-SN ${endpoint.key}: ${error.message} from a sender that is not connected: DISCONNECT (MQTT-SN §6.12)`,
    );
    send(ctx, endpoint, { type: 'DISCONNECT' });
    return;
  }
  if (error instanceof SnRejection) {
    ctx.logger.info(
      `MQTT-SN ${endpoint.key}: ${packet.type} refused with return code 0x0${error.returnCode}: ${error.message}`,
    );
    const answer = rejectionAnswer(packet, error.returnCode);
    if (answer !== undefined) send(ctx, endpoint, answer);
    return;
  }
  // A bug of ours: logged with the peer, never a crash, the client gets no answer.
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  ctx.logger.error(`MQTT-SN ${endpoint.key}: internal error handling ${packet.type}: ${text}`);
}

/** The answer that carries a return code for each request (§5.4). */
function rejectionAnswer(packet: MqttSnPacket, returnCode: ReturnCode): MqttSnPacket | undefined {
  switch (packet.type) {
    case 'CONNECT':
    case 'WILLTOPIC':
    case 'WILLMSG':
      return { type: 'CONNACK', returnCode };
    case 'REGISTER':
      return { type: 'REGACK', topicId: 0, msgId: packet.msgId, returnCode };
    case 'PUBLISH':
      return { type: 'PUBACK', topicId: topicIdFieldValue(packet.topic), msgId: packet.msgId, returnCode };
    case 'SUBSCRIBE':
      return { type: 'SUBACK', qos: 0, topicId: 0, msgId: packet.msgId, returnCode };
    case 'WILLTOPICUPD':
      return { type: 'WILLTOPICRESP', returnCode };
    case 'WILLMSGUPD':
      return { type: 'WILLMSGRESP', returnCode };
    default:
      return undefined;
  }
}

/**
 * A datagram that did not decode, from a connected client, whose MsgId could be read: answer the
 * request so the client does not retransmit it in vain (a reserved TopicIdType in a PUBLISH →
 * PUBACK 0x02, anything else → 0x03). Everything else is only logged (by the caller).
 */
export function answerMalformed(ctx: GatewayContext, endpoint: Endpoint, error: DecodeError): void {
  const client = ctx.clients.at(endpoint.key);
  if (client === undefined || attachedSession(client.state) === undefined || error.msgId === undefined)
    return;
  const msgId = error.msgId;
  const code = error.kind === 'invalid-field' ? ReturnCode.INVALID_TOPIC_ID : ReturnCode.NOT_SUPPORTED;
  if (error.msgType === MsgType.PUBLISH) {
    send(ctx, endpoint, { type: 'PUBACK', topicId: error.topicId ?? 0, msgId, returnCode: code });
  } else if (error.msgType === MsgType.REGISTER) {
    send(ctx, endpoint, { type: 'REGACK', topicId: 0, msgId, returnCode: ReturnCode.NOT_SUPPORTED });
  } else if (error.msgType === MsgType.SUBSCRIBE) {
    send(ctx, endpoint, { type: 'SUBACK', qos: 0, topicId: 0, msgId, returnCode: ReturnCode.NOT_SUPPORTED });
  }
}
