/**
 * CONNECT: protocol level, client id rules, will, v5 properties, then the core's session and
 * CONNACK (MQTT 3.1.1 §3.1, MQTT 5 §3.1 and §3.2).
 */
import { randomUUID } from 'node:crypto';
import type { IConnackPacket, IConnectPacket } from 'mqtt-packet';
import { type ConnectRequest, ReasonCode, type Will } from '../../broker/types.js';
import type { MqttConnection } from '../connection.js';
import { BAD_AUTHENTICATION_METHOD, MqttProtocolError } from '../errors.js';
import type { MqttAuthenticationRequest } from '../options.js';
import { InboundTopicAliases, OutboundTopicAliases } from '../topic-alias.js';
import { publishProperties, validateTopicName } from '../topics.js';
import { traceSent } from '../trace.js';
import { encodeBareConnack } from '../wire.js';
import { checkConnectStrings } from './connect-strings.js';

const NEVER_EXPIRES = 0xffffffff;
const PROTOCOL_MAX_PACKET_SIZE = 268_435_460;

/**
 * Reads the protocol name and level from the raw CONNECT before mqtt-packet does, so that an
 * unknown level gets CONNACK 0x01 [MQTT-3.1.2-2] instead of a bare decode error, and so that
 * later failures know which CONNACK form to use.
 */
export function precheckConnect(conn: MqttConnection, frame: Buffer, headerLength: number): void {
  const nameLength = frame.length >= headerLength + 2 ? frame.readUInt16BE(headerLength) : -1;
  const levelAt = headerLength + 2 + nameLength;
  if (nameLength < 0 || levelAt >= frame.length) {
    throw new MqttProtocolError(ReasonCode.MalformedPacket, 'CONNECT too short');
  }
  const name = frame.toString('latin1', headerLength + 2, levelAt);
  const level = frame[levelAt]! & 0x7f; // bit 7: mosquitto's bridge flag
  if (name !== 'MQTT' && name !== 'MQIsdp') {
    throw new MqttProtocolError(ReasonCode.MalformedPacket, `unknown protocol name '${name}' [MQTT-3.1.2-1]`);
  }
  const known = name === 'MQIsdp' ? level === 3 : level === 4 || level === 5;
  conn.setProtocolVersion(known ? level : 4);
  if (!known) {
    throw new MqttProtocolError(
      ReasonCode.UnsupportedProtocolVersion,
      `unsupported protocol '${name}' level ${level} [MQTT-3.1.2-2]`,
    );
  }
}

function refuse(reason: number, message: string): never {
  throw new MqttProtocolError(reason, message);
}

/** Client id rules [MQTT-3.1.3-*]; returns the id to use and whether we assigned it. */
function chooseClientId(conn: MqttConnection, packet: IConnectPacket): { id: string; assigned: boolean } {
  const id = packet.clientId;
  if (id.includes('\u0000')) refuse(ReasonCode.MalformedPacket, 'U+0000 in client id [MQTT-1.5.4-2]');
  if (conn.protocolVersion === 3) {
    // MQTT 3.1 capped ids at 23 characters; mosquitto 2.0.11 accepts longer ones, so do we.
    if (id.length === 0) refuse(ReasonCode.ClientIdentifierNotValid, 'empty MQTT 3.1 client id');
    return { id, assigned: false };
  }
  if (id.length > 0) return { id, assigned: false };
  if (!packet.clean && conn.protocolVersion === 4) {
    refuse(ReasonCode.ClientIdentifierNotValid, 'empty client id without clean session [MQTT-3.1.3-8]');
  }
  // v5 assigns an id whatever Clean Start says, as mosquitto 2.0.11 does [MQTT-3.1.3-6].
  return { id: `auto-${randomUUID()}`, assigned: true };
}

function checkProperties(packet: IConnectPacket): void {
  const props = packet.properties;
  if (props === undefined) return;
  if (props.receiveMaximum === 0) refuse(ReasonCode.ProtocolError, 'receive maximum 0 (MQTT 5 §3.1.2.11.3)');
  if (props.maximumPacketSize === 0)
    refuse(ReasonCode.ProtocolError, 'maximum packet size 0 (MQTT 5 §3.1.2.11.4)');
  if (props.authenticationMethod !== undefined) {
    // Enhanced authentication (AUTH exchanges) is not supported: refused as mosquitto does
    // without an auth plugin (MQTT 5 §4.12). Plain username/password works.
    refuse(BAD_AUTHENTICATION_METHOD, `authentication method '${props.authenticationMethod}' not supported`);
  }
}

function buildWill(conn: MqttConnection, packet: IConnectPacket): Will | undefined {
  const will = packet.will;
  if (will === undefined) return undefined;
  const qos = will.qos ?? 0;
  if (qos > 2) refuse(ReasonCode.MalformedPacket, 'will QoS 3 [MQTT-3.1.2-14]');
  validateTopicName(will.topic);
  if (will.topic.length === 0) refuse(ReasonCode.TopicNameInvalid, 'empty will topic');
  if (will.retain === true && !conn.options.retainAvailable) {
    refuse(ReasonCode.RetainNotSupported, 'will retain while retain is unavailable [MQTT-3.2.2-13]');
  }
  if (qos > conn.options.maximumQos) refuse(ReasonCode.QosNotSupported, `will QoS ${qos} [MQTT-3.2.2-12]`);
  const payload = typeof will.payload === 'string' ? Buffer.from(will.payload) : Buffer.from(will.payload);
  const result: Will = { topic: will.topic, payload, qos: qos as 0 | 1 | 2, retain: will.retain === true };
  if (will.properties !== undefined) {
    const properties = publishProperties(will.properties);
    if (properties !== undefined) result.properties = properties;
    if (will.properties.willDelayInterval !== undefined)
      result.delayInterval = will.properties.willDelayInterval;
  }
  return result;
}

function connackProperties(
  conn: MqttConnection,
  assignedId: string | undefined,
): IConnackPacket['properties'] {
  const o = conn.options;
  const props: NonNullable<IConnackPacket['properties']> = {};
  if (assignedId !== undefined) props.assignedClientIdentifier = assignedId;
  if (o.topicAliasMaximum > 0) props.topicAliasMaximum = o.topicAliasMaximum;
  if (o.receiveMaximum < 65_535) props.receiveMaximum = o.receiveMaximum;
  if (o.maxPacketSize < PROTOCOL_MAX_PACKET_SIZE) props.maximumPacketSize = o.maxPacketSize;
  if (!o.retainAvailable) props.retainAvailable = false;
  if (o.maximumQos < 2) props.maximumQoS = o.maximumQos;
  if (o.serverKeepAlive !== undefined) props.serverKeepAlive = o.serverKeepAlive;
  return Object.keys(props).length > 0 ? props : undefined;
}

/** Runs the authentication hook; returns the username the broker should see. */
function authenticate(conn: MqttConnection, packet: IConnectPacket, clientId: string): string | undefined {
  const hook = conn.options.authenticate;
  if (hook === undefined) return packet.username;
  const request: MqttAuthenticationRequest = { clientId, peer: conn.peer };
  if (packet.username !== undefined) request.username = packet.username;
  if (packet.password !== undefined) request.password = packet.password;
  if (conn.options.certificateIdentity !== undefined)
    request.certificateIdentity = conn.options.certificateIdentity;
  const result = hook(request);
  if (!result.ok) refuse(result.reason, `not authorised: ${result.why}`);
  return result.username;
}

export function handleConnect(conn: MqttConnection, packet: IConnectPacket): void {
  // Known before any refusal: a refusing CONNACK's reason string must fit it [MQTT-3.2.2-19].
  conn.clientMaximumPacketSize = packet.properties?.maximumPacketSize ?? 0;
  checkProperties(packet);
  checkConnectStrings(conn, packet);
  const { id, assigned } = chooseClientId(conn, packet);
  conn.clientId = id;
  const username = authenticate(conn, packet, id);
  const will = buildWill(conn, packet);
  const v5 = conn.protocolVersion === 5;
  const props = packet.properties;
  conn.sessionExpiry = v5 ? (props?.sessionExpiryInterval ?? 0) : packet.clean ? 0 : NEVER_EXPIRES;
  // The connection is its own LinkInfo (protocol, peer, maximum packet size …): no object per client.
  conn.receiveMaximum = v5 ? (props?.receiveMaximum ?? 65_535) : (conn.options.maxInflightMessages ?? 20);
  conn.username = username;
  const request: ConnectRequest = {
    clientId: id,
    cleanStart: packet.clean !== false,
    sessionExpiry: conn.sessionExpiry,
    link: conn,
    info: conn,
  };
  if (will !== undefined) request.will = will;
  const result = conn.broker.connect(request);
  if (!result.ok) refuse(result.reason, 'connection refused by the broker');

  conn.session = result.session;
  conn.state = 'connected';
  if (v5 && conn.options.topicAliasMaximum > 0) {
    conn.inboundAliases = new InboundTopicAliases(conn.options.topicAliasMaximum);
  }
  if (v5 && (props?.topicAliasMaximum ?? 0) > 0) {
    conn.outboundAliases = new OutboundTopicAliases(props!.topicAliasMaximum!);
  }
  const keepAlive =
    v5 && conn.options.serverKeepAlive !== undefined ? conn.options.serverKeepAlive : packet.keepalive;
  conn.startKeepAlive(keepAlive ?? 0);
  if (conn.logsInfo) {
    conn.logger.info(
      `New client connected from ${conn.peer} as ${id} (p${v5 ? 5 : conn.protocolVersion === 4 ? 2 : 1}, c${packet.clean ? 1 : 0}, k${keepAlive ?? 0}${username !== undefined ? `, u'${username}'` : ''}).`,
    );
  }
  const connack: IConnackPacket = {
    cmd: 'connack',
    // MQTT 3.1 has no Session Present flag: that byte is reserved and must stay 0.
    sessionPresent: conn.protocolVersion !== 3 && result.sessionPresent,
    returnCode: 0,
    reasonCode: 0,
  };
  const properties = v5 ? connackProperties(conn, assigned ? id : undefined) : undefined;
  if (properties !== undefined) {
    connack.properties = properties;
    conn.send(connack);
    return;
  }
  // The common CONNACK is 4-5 fixed bytes: no encoder objects per connection.
  if (conn.logger.debugEnabled) traceSent(conn, connack);
  conn.writeBuffer(encodeBareConnack(connack.sessionPresent, 0, v5));
}
