/** The variable-part codec of every message type except the forwarder encapsulation (§5.4). */
import type { MsgTypeName, PacketOf } from '../types.js';
import type { BodyCodec } from './body-codec.js';
import { connack, connect, willMsg, willMsgReq, willTopicMessage, willTopicReq } from './connect.js';
import { advertise, gwInfo, searchGw } from './discovery.js';
import { disconnect, pingreq, pingresp } from './ping-disconnect.js';
import { puback, pubcomp, publish, pubrec, pubrel } from './publish.js';
import { regack, register } from './register.js';
import { suback, subscribe, unsuback, unsubscribe } from './subscribe.js';
import { willMsgResp, willMsgUpd, willTopicResp, willTopicUpd } from './will-update.js';

export type BodyTypeName = Exclude<MsgTypeName, 'ENCAPSULATED'>;

export const BODY_CODECS: { readonly [K in BodyTypeName]: BodyCodec<PacketOf<K>> } = {
  ADVERTISE: advertise,
  SEARCHGW: searchGw,
  GWINFO: gwInfo,
  CONNECT: connect,
  CONNACK: connack,
  WILLTOPICREQ: willTopicReq,
  WILLTOPIC: willTopicMessage,
  WILLMSGREQ: willMsgReq,
  WILLMSG: willMsg,
  REGISTER: register,
  REGACK: regack,
  PUBLISH: publish,
  PUBACK: puback,
  PUBCOMP: pubcomp,
  PUBREC: pubrec,
  PUBREL: pubrel,
  SUBSCRIBE: subscribe,
  SUBACK: suback,
  UNSUBSCRIBE: unsubscribe,
  UNSUBACK: unsuback,
  PINGREQ: pingreq,
  PINGRESP: pingresp,
  DISCONNECT: disconnect,
  WILLTOPICUPD: willTopicUpd,
  WILLTOPICRESP: willTopicResp,
  WILLMSGUPD: willMsgUpd,
  WILLMSGRESP: willMsgResp,
};
