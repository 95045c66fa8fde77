/**
 * One-line descriptions for the `-v` packet trace, e.g. "PUBLISH (d0 q1 r0 topicId=1 msgId=7, 5 bytes)".
 * Payloads are never printed, only their size; strings are quoted and cut at 64 characters.
 */
import { decode } from './decode.js';
import type { DecodeError, MqttSnPacket, ReturnCode, TopicRef, WillTopicFields } from './types.js';

const MAX_STRING = 64;
const RETURN_CODE_TEXT: Record<ReturnCode, string> = {
  0: 'accepted',
  1: 'congestion',
  2: 'invalid topic id',
  3: 'not supported',
};

function quote(value: string): string {
  return JSON.stringify(value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value);
}

function bit(value: boolean): string {
  return value ? '1' : '0';
}

function rc(code: ReturnCode): string {
  return `rc=0x0${code} ${RETURN_CODE_TEXT[code] ?? 'reserved'}`;
}

function topic(t: TopicRef): string {
  switch (t.type) {
    case 'normal':
      return `topicId=${t.id}`;
    case 'predefined':
      return `predefinedId=${t.id}`;
    case 'short':
      return `shortTopic=${quote(t.name)}`;
    case 'name':
      return `topic=${quote(t.name)}`;
  }
}

function will(w: WillTopicFields | null): string {
  return w === null ? 'empty: delete will' : `q${w.qos} r${bit(w.retain)} topic=${quote(w.topic)}`;
}

function bytes(n: number): string {
  return `${n} byte${n === 1 ? '' : 's'}`;
}

function details(p: MqttSnPacket): string | undefined {
  switch (p.type) {
    case 'ADVERTISE':
      return `gwId=${p.gwId} duration=${p.duration}`;
    case 'SEARCHGW':
      return `radius=${p.radius}`;
    case 'GWINFO':
      return p.gwAdd === undefined ? `gwId=${p.gwId}` : `gwId=${p.gwId} gwAdd=${p.gwAdd.toString('hex')}`;
    case 'CONNECT':
      return `will=${bit(p.will)} clean=${bit(p.cleanSession)} duration=${p.duration} clientId=${quote(p.clientId)}`;
    case 'CONNACK':
    case 'WILLTOPICRESP':
    case 'WILLMSGRESP':
      return rc(p.returnCode);
    case 'WILLTOPICREQ':
    case 'WILLMSGREQ':
    case 'PINGRESP':
      return undefined;
    case 'WILLTOPIC':
    case 'WILLTOPICUPD':
      return will(p.will);
    case 'WILLMSG':
    case 'WILLMSGUPD':
      return bytes(p.willMsg.length);
    case 'REGISTER':
      return `topicId=${p.topicId} msgId=${p.msgId} topicName=${quote(p.topicName)}`;
    case 'REGACK':
    case 'PUBACK':
      return `topicId=${p.topicId} msgId=${p.msgId} ${rc(p.returnCode)}`;
    case 'PUBLISH':
      return `d${bit(p.dup)} q${p.qos} r${bit(p.retain)} ${topic(p.topic)} msgId=${p.msgId}, ${bytes(p.payload.length)}`;
    case 'PUBREC':
    case 'PUBREL':
    case 'PUBCOMP':
    case 'UNSUBACK':
      return `msgId=${p.msgId}`;
    case 'SUBSCRIBE':
      return `d${bit(p.dup)} q${p.qos} msgId=${p.msgId} ${topic(p.topic)}`;
    case 'SUBACK':
      return `q${p.qos} topicId=${p.topicId} msgId=${p.msgId} ${rc(p.returnCode)}`;
    case 'UNSUBSCRIBE':
      return `msgId=${p.msgId} ${topic(p.topic)}`;
    case 'PINGREQ':
      return p.clientId === undefined ? undefined : `clientId=${quote(p.clientId)}`;
    case 'DISCONNECT':
      return p.duration === undefined ? undefined : `duration=${p.duration}`;
    case 'ENCAPSULATED':
      return `radius=${p.radius} nodeId=${p.wirelessNodeId.toString('hex')}, ${innerText(p.inner)}`;
  }
}

function innerText(inner: Buffer | MqttSnPacket): string {
  if (!Buffer.isBuffer(inner)) return describe(inner);
  const decoded = decode(inner);
  return decoded.ok ? describe(decoded.packet) : `undecodable ${bytes(inner.length)}`;
}

/** "PUBLISH (d0 q1 r0 topicId=1 msgId=7, 5 bytes)", "PINGRESP". */
export function describe(packet: MqttSnPacket): string {
  const text = details(packet);
  return text === undefined ? packet.type : `${packet.type} (${text})`;
}

/** "truncated: PUBLISH: Length 12 but the datagram has 9 octet(s) (MQTT-SN §5.2.1)". */
export function describeError(error: DecodeError): string {
  return `${error.kind}: ${error.message}`;
}
