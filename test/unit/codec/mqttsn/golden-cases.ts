/**
 * Golden bytes for every MQTT-SN v1.2 message, built by hand from the layouts of MQTT-SN §5.4
 * (1-octet Length form, as the spec's tables are drawn) and §5.5.
 */
import type { MqttSnPacket } from '../../../../src/codec/mqttsn/index.js';
import { hex } from './helpers.js';

export interface Golden {
  name: string;
  bytes: string;
  packet: MqttSnPacket;
}

export const goldenCases: Golden[] = [
  // §5.4.1 Table 6: Length MsgType GwId Duration(2)
  {
    name: '§5.4.1 ADVERTISE gw 1, next in 900 s',
    bytes: '05 00 01 0384',
    packet: { type: 'ADVERTISE', gwId: 1, duration: 900 },
  },
  // §5.4.2 Table 7: Length MsgType Radius
  { name: '§5.4.2 SEARCHGW radius 0', bytes: '03 01 00', packet: { type: 'SEARCHGW', radius: 0 } },
  // §5.4.3 Table 8: Length MsgType GwId GwAdd* (GwAdd only when sent by a client)
  { name: '§5.4.3 GWINFO from a gateway', bytes: '03 02 05', packet: { type: 'GWINFO', gwId: 5 } },
  {
    name: '§5.4.3 GWINFO from a client, with GwAdd',
    bytes: '07 02 05 7f000001',
    packet: { type: 'GWINFO', gwId: 5, gwAdd: hex('7f000001') },
  },
  // §5.4.4 Table 9: Length MsgType Flags ProtocolId Duration(2) ClientId; Flags Will=bit3, Clean=bit2
  {
    name: '§5.4.4 CONNECT will+clean, keep-alive 60, "sensor1"',
    bytes: '0d 04 0c 01 003c 73656e736f7231',
    packet: { type: 'CONNECT', will: true, cleanSession: true, duration: 60, clientId: 'sensor1' },
  },
  {
    name: '§5.4.4 CONNECT no will, persistent session',
    bytes: '07 04 00 01 ffff 61',
    packet: { type: 'CONNECT', will: false, cleanSession: false, duration: 65535, clientId: 'a' },
  },
  // §5.4.5 Table 10: Length MsgType ReturnCode
  { name: '§5.4.5 CONNACK accepted', bytes: '03 05 00', packet: { type: 'CONNACK', returnCode: 0 } },
  { name: '§5.4.5 CONNACK congestion', bytes: '03 05 01', packet: { type: 'CONNACK', returnCode: 1 } },
  // §5.4.6 Table 11: header only
  { name: '§5.4.6 WILLTOPICREQ', bytes: '02 06', packet: { type: 'WILLTOPICREQ' } },
  // §5.4.7 Table 12: Length MsgType Flags WillTopic; QoS bits 6-5, Retain bit 4
  {
    name: '§5.4.7 WILLTOPIC QoS 1 retained "s/lost"',
    bytes: '09 07 30 732f6c6f7374',
    packet: { type: 'WILLTOPIC', will: { qos: 1, retain: true, topic: 's/lost' } },
  },
  {
    name: '§5.4.7 WILLTOPIC QoS 2 not retained "w"',
    bytes: '04 07 40 77',
    packet: { type: 'WILLTOPIC', will: { qos: 2, retain: false, topic: 'w' } },
  },
  {
    name: '§5.4.7 empty WILLTOPIC (deletes the will)',
    bytes: '02 07',
    packet: { type: 'WILLTOPIC', will: null },
  },
  // §5.4.8 Table 11: header only
  { name: '§5.4.8 WILLMSGREQ', bytes: '02 08', packet: { type: 'WILLMSGREQ' } },
  // §5.4.9 Table 13: Length MsgType WillMsg
  {
    name: '§5.4.9 WILLMSG "bye"',
    bytes: '05 09 627965',
    packet: { type: 'WILLMSG', willMsg: Buffer.from('bye') },
  },
  // §5.4.10 Table 14: Length MsgType TopicId(2) MsgId(2) TopicName
  {
    name: '§5.4.10 REGISTER from a client (TopicId 0x0000) "a/b"',
    bytes: '09 0a 0000 0001 612f62',
    packet: { type: 'REGISTER', topicId: 0, msgId: 1, topicName: 'a/b' },
  },
  {
    name: '§5.4.10 REGISTER from the gateway, UTF-8 topic "t/é"',
    bytes: '0a 0a 0102 ff00 742fc3a9',
    packet: { type: 'REGISTER', topicId: 0x0102, msgId: 0xff00, topicName: 't/é' },
  },
  // §5.4.11 Table 15: Length MsgType TopicId(2) MsgId(2) ReturnCode
  {
    name: '§5.4.11 REGACK accepted',
    bytes: '07 0b 0001 0001 00',
    packet: { type: 'REGACK', topicId: 1, msgId: 1, returnCode: 0 },
  },
  // §5.4.12 Table 16: Length MsgType Flags TopicId(2) MsgId(2) Data
  {
    name: '§5.4.12 PUBLISH QoS 1 normal topic id 1, msgId 7, "hello"',
    bytes: '0c 0c 20 0001 0007 68656c6c6f',
    packet: {
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: 1 },
      msgId: 7,
      payload: Buffer.from('hello'),
    },
  },
  {
    name: '§5.4.12/§6.8 PUBLISH QoS −1 (0b11) predefined id 5',
    bytes: '08 0c 61 0005 0000 78',
    packet: {
      type: 'PUBLISH',
      dup: false,
      qos: -1,
      retain: false,
      topic: { type: 'predefined', id: 5 },
      msgId: 0,
      payload: Buffer.from('x'),
    },
  },
  {
    name: '§5.4.12/§6.7 PUBLISH DUP retained QoS 0 short topic "ab", empty data',
    bytes: '07 0c 92 6162 0000',
    packet: {
      type: 'PUBLISH',
      dup: true,
      qos: 0,
      retain: true,
      topic: { type: 'short', name: 'ab' },
      msgId: 0,
      payload: Buffer.alloc(0),
    },
  },
  {
    name: '§5.4.12 PUBLISH QoS 2 normal topic id 0xfffe',
    bytes: '08 0c 40 fffe 1234 00',
    packet: {
      type: 'PUBLISH',
      dup: false,
      qos: 2,
      retain: false,
      topic: { type: 'normal', id: 0xfffe },
      msgId: 0x1234,
      payload: hex('00'),
    },
  },
  // §5.4.13 Table 17: Length MsgType TopicId(2) MsgId(2) ReturnCode
  {
    name: '§5.4.13 PUBACK invalid topic id',
    bytes: '07 0d 0001 0007 02',
    packet: { type: 'PUBACK', topicId: 1, msgId: 7, returnCode: 2 },
  },
  // §5.4.14 Table 18: Length MsgType MsgId(2) — PUBCOMP 0x0E, PUBREC 0x0F, PUBREL 0x10
  { name: '§5.4.14 PUBREC', bytes: '04 0f 0007', packet: { type: 'PUBREC', msgId: 7 } },
  { name: '§5.4.14 PUBREL', bytes: '04 10 0007', packet: { type: 'PUBREL', msgId: 7 } },
  { name: '§5.4.14 PUBCOMP', bytes: '04 0e 0007', packet: { type: 'PUBCOMP', msgId: 7 } },
  // §5.4.15 Table 19: Length MsgType Flags MsgId(2) TopicName | TopicId(2)
  {
    name: '§5.4.15 SUBSCRIBE QoS 1 by name "a/#"',
    bytes: '08 12 20 0003 612f23',
    packet: { type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 3, topic: { type: 'name', name: 'a/#' } },
  },
  {
    name: '§5.4.15 SUBSCRIBE QoS 0 predefined id 0x0102',
    bytes: '07 12 01 0003 0102',
    packet: { type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 3, topic: { type: 'predefined', id: 0x0102 } },
  },
  {
    name: '§5.4.15 SUBSCRIBE DUP QoS 2 short topic "ab"',
    bytes: '07 12 c2 0003 6162',
    packet: { type: 'SUBSCRIBE', dup: true, qos: 2, msgId: 3, topic: { type: 'short', name: 'ab' } },
  },
  // §5.4.16 Table 20: Length MsgType Flags TopicId(2) MsgId(2) ReturnCode
  {
    name: '§5.4.16 SUBACK granted QoS 1, wildcard topic id 0x0000',
    bytes: '08 13 20 0000 0003 00',
    packet: { type: 'SUBACK', qos: 1, topicId: 0, msgId: 3, returnCode: 0 },
  },
  // §5.4.17 Table 19
  {
    name: '§5.4.17 UNSUBSCRIBE by name "a/#"',
    bytes: '08 14 00 0004 612f23',
    packet: { type: 'UNSUBSCRIBE', msgId: 4, topic: { type: 'name', name: 'a/#' } },
  },
  {
    name: '§5.4.17 UNSUBSCRIBE predefined id 5',
    bytes: '07 14 01 0004 0005',
    packet: { type: 'UNSUBSCRIBE', msgId: 4, topic: { type: 'predefined', id: 5 } },
  },
  {
    name: '§5.4.17 UNSUBSCRIBE short topic "zz"',
    bytes: '07 14 02 0004 7a7a',
    packet: { type: 'UNSUBSCRIBE', msgId: 4, topic: { type: 'short', name: 'zz' } },
  },
  // §5.4.18 Table 21: Length MsgType MsgId(2)
  { name: '§5.4.18 UNSUBACK', bytes: '04 15 0004', packet: { type: 'UNSUBACK', msgId: 4 } },
  // §5.4.19 Table 22: Length MsgType ClientId (optional)
  { name: '§5.4.19 PINGREQ', bytes: '02 16', packet: { type: 'PINGREQ' } },
  {
    name: '§5.4.19 PINGREQ from a waking client "s1"',
    bytes: '04 16 7331',
    packet: { type: 'PINGREQ', clientId: 's1' },
  },
  // §5.4.20 Table 23: header only
  { name: '§5.4.20 PINGRESP', bytes: '02 17', packet: { type: 'PINGRESP' } },
  // §5.4.21 Table 24: Length MsgType Duration (optional, 2)
  { name: '§5.4.21 DISCONNECT', bytes: '02 18', packet: { type: 'DISCONNECT' } },
  {
    name: '§5.4.21 DISCONNECT to sleep 30 s',
    bytes: '04 18 001e',
    packet: { type: 'DISCONNECT', duration: 30 },
  },
  // §5.4.22 Table 25: Length MsgType Flags WillTopic
  {
    name: '§5.4.22 WILLTOPICUPD QoS 0 "t"',
    bytes: '04 1a 00 74',
    packet: { type: 'WILLTOPICUPD', will: { qos: 0, retain: false, topic: 't' } },
  },
  {
    name: '§5.4.22 empty WILLTOPICUPD (deletes the will)',
    bytes: '02 1a',
    packet: { type: 'WILLTOPICUPD', will: null },
  },
  // §5.4.23 Table 26: Length MsgType WillMsg
  {
    name: '§5.4.23 WILLMSGUPD "on"',
    bytes: '04 1c 6f6e',
    packet: { type: 'WILLMSGUPD', willMsg: Buffer.from('on') },
  },
  {
    name: '§5.4.23 WILLMSGUPD empty',
    bytes: '02 1c',
    packet: { type: 'WILLMSGUPD', willMsg: Buffer.alloc(0) },
  },
  // §5.4.24 / §5.4.25 Table 27: Length MsgType ReturnCode
  {
    name: '§5.4.24 WILLTOPICRESP accepted',
    bytes: '03 1b 00',
    packet: { type: 'WILLTOPICRESP', returnCode: 0 },
  },
  {
    name: '§5.4.25 WILLMSGRESP not supported',
    bytes: '03 1d 03',
    packet: { type: 'WILLMSGRESP', returnCode: 3 },
  },
  // §5.5 Table 28: Length(up to the node id) 0xFE Ctrl WirelessNodeId | inner message
  {
    name: '§5.5 ENCAPSULATED radius 1, node 0a0b, PINGREQ inside',
    bytes: '05 fe 01 0a0b  02 16',
    packet: { type: 'ENCAPSULATED', radius: 1, wirelessNodeId: hex('0a0b'), inner: hex('0216') },
  },
  {
    name: '§5.5 ENCAPSULATED empty node id, CONNACK inside',
    bytes: '03 fe 00  03 05 00',
    packet: { type: 'ENCAPSULATED', radius: 0, wirelessNodeId: Buffer.alloc(0), inner: hex('030500') },
  },
];
