/**
 * MQTT-SN v1.2 packet model (MQTT-SN §5). The codec is pure: `decode(bytes)` gives a typed packet or a
 * typed `DecodeError`, `encode(packet)` gives the bytes. Packets carry only the fields the spec gives a
 * meaning to for that message ("not used" flag bits are ignored on input and written as 0).
 *
 * What the codec checks is the wire format: sizes, reserved codes, UTF-8. What a field *means*
 * (topic id 0x0000 in a PUBLISH, ClientId length 1-23, QoS −1 with a normal topic id, an empty
 * topic name) is left to the gateway, which can answer with the right return code — so those decode.
 */

/** MsgType field values, MQTT-SN §5.2.2 Table 3. Note PUBCOMP (0x0E) comes before PUBREC (0x0F). */
export const MsgType = {
  ADVERTISE: 0x00,
  SEARCHGW: 0x01,
  GWINFO: 0x02,
  CONNECT: 0x04,
  CONNACK: 0x05,
  WILLTOPICREQ: 0x06,
  WILLTOPIC: 0x07,
  WILLMSGREQ: 0x08,
  WILLMSG: 0x09,
  REGISTER: 0x0a,
  REGACK: 0x0b,
  PUBLISH: 0x0c,
  PUBACK: 0x0d,
  PUBCOMP: 0x0e,
  PUBREC: 0x0f,
  PUBREL: 0x10,
  SUBSCRIBE: 0x12,
  SUBACK: 0x13,
  UNSUBSCRIBE: 0x14,
  UNSUBACK: 0x15,
  PINGREQ: 0x16,
  PINGRESP: 0x17,
  DISCONNECT: 0x18,
  WILLTOPICUPD: 0x1a,
  WILLTOPICRESP: 0x1b,
  WILLMSGUPD: 0x1c,
  WILLMSGRESP: 0x1d,
  /** Forwarder encapsulation, MQTT-SN §5.5. */
  ENCAPSULATED: 0xfe,
} as const;

/** The name of a message type; it is also the `type` discriminant of `MqttSnPacket`. */
export type MsgTypeName = keyof typeof MsgType;
/** A MsgType octet value that is not reserved. */
export type MsgTypeCode = (typeof MsgType)[MsgTypeName];

/** ReturnCode values, MQTT-SN §5.3.10 Table 5. 0x04-0xFF are reserved and rejected on input. */
export const ReturnCode = {
  ACCEPTED: 0x00,
  CONGESTION: 0x01,
  INVALID_TOPIC_ID: 0x02,
  NOT_SUPPORTED: 0x03,
} as const;
export type ReturnCode = (typeof ReturnCode)[keyof typeof ReturnCode];

/** A delivery QoS level as granted or requested (SUBSCRIBE, SUBACK, will). */
export type QoSLevel = 0 | 1 | 2;
/** PUBLISH QoS: the flag value 0b11 means QoS −1 (MQTT-SN §5.3.4, §6.8); only valid in PUBLISH. */
export type PublishQoS = -1 | QoSLevel;

/** TopicIdType flag (MQTT-SN §5.3.4): 0b00 normal, 0b01 predefined, 0b10 short; 0b11 is reserved. */
export type TopicIdType = 'normal' | 'predefined' | 'short';

/** The Flags octet of MQTT-SN §5.3.4 Table 4, decoded bit for bit (see flags.ts). */
export interface Flags {
  dup: boolean;
  qos: PublishQoS;
  retain: boolean;
  will: boolean;
  cleanSession: boolean;
  topicIdType: TopicIdType;
}

/**
 * A topic as carried by PUBLISH / SUBSCRIBE / UNSUBSCRIBE (MQTT-SN §3, §6.7). Topic ids are numbers
 * 0..65535; a short topic name is a string whose UTF-8 encoding is exactly 2 octets, carried in the
 * TopicId field. 'name' exists only in SUBSCRIBE/UNSUBSCRIBE, where TopicIdType 0b00 means "topic name"
 * (MQTT-SN §5.4.15); 'normal' exists only in PUBLISH.
 */
export type NormalTopic = { type: 'normal'; id: number };
export type PredefinedTopic = { type: 'predefined'; id: number };
export type ShortTopic = { type: 'short'; name: string };
export type NamedTopic = { type: 'name'; name: string };
export type TopicRef = NormalTopic | PredefinedTopic | ShortTopic | NamedTopic;
/** What a PUBLISH can address (MQTT-SN §5.4.12). */
export type PublishTopic = NormalTopic | PredefinedTopic | ShortTopic;
/** What a SUBSCRIBE / UNSUBSCRIBE can address (MQTT-SN §5.4.15, §5.4.17). */
export type SubscribeTopic = NamedTopic | PredefinedTopic | ShortTopic;

// ---- Discovery (MQTT-SN §5.4.1-§5.4.3) ----

export interface AdvertisePacket {
  type: 'ADVERTISE';
  gwId: number;
  /** Seconds until the next ADVERTISE. */
  duration: number;
}
export interface SearchGwPacket {
  type: 'SEARCHGW';
  radius: number;
}
export interface GwInfoPacket {
  type: 'GWINFO';
  gwId: number;
  /** Present only when a client answers on behalf of a gateway (MQTT-SN §5.4.3). */
  gwAdd?: Buffer;
}

// ---- Connect and will (MQTT-SN §5.4.4-§5.4.9) ----

export interface ConnectPacket {
  type: 'CONNECT';
  /** Ask for WILLTOPICREQ / WILLMSGREQ prompting. */
  will: boolean;
  cleanSession: boolean;
  /** Keep-alive in seconds. */
  duration: number;
  /** Decoded as given (may be empty or longer than 23 characters: the gateway's policy decides). */
  clientId: string;
}
export interface ConnackPacket {
  type: 'CONNACK';
  returnCode: ReturnCode;
}
export interface WillTopicReqPacket {
  type: 'WILLTOPICREQ';
}
/** Will QoS, retain flag and topic carried by WILLTOPIC and WILLTOPICUPD. */
export interface WillTopicFields {
  qos: QoSLevel;
  retain: boolean;
  topic: string;
}
export interface WillTopicPacket {
  type: 'WILLTOPIC';
  /** null: the empty (2-octet) WILLTOPIC that deletes will topic and will message (MQTT-SN §5.4.7). */
  will: WillTopicFields | null;
}
export interface WillMsgReqPacket {
  type: 'WILLMSGREQ';
}
export interface WillMsgPacket {
  type: 'WILLMSG';
  willMsg: Buffer;
}

// ---- Topic registration (MQTT-SN §5.4.10, §5.4.11) ----

export interface RegisterPacket {
  type: 'REGISTER';
  /** 0x0000 when sent by a client; the assigned id when sent by a gateway. */
  topicId: number;
  msgId: number;
  topicName: string;
}
export interface RegackPacket {
  type: 'REGACK';
  topicId: number;
  msgId: number;
  returnCode: ReturnCode;
}

// ---- Publish and acknowledgements (MQTT-SN §5.4.12-§5.4.14) ----

export interface PublishPacket {
  type: 'PUBLISH';
  dup: boolean;
  /** −1 is decoded with any topic type; §6.8 allows only predefined/short — the gateway checks. */
  qos: PublishQoS;
  retain: boolean;
  topic: PublishTopic;
  /** 0x0000 unless QoS 1 or 2 (not enforced on input). */
  msgId: number;
  payload: Buffer;
}
export interface PubackPacket {
  type: 'PUBACK';
  /** The TopicId field of the PUBLISH being acknowledged (a short name as its 16-bit value). */
  topicId: number;
  msgId: number;
  returnCode: ReturnCode;
}
export interface PubrecPacket {
  type: 'PUBREC';
  msgId: number;
}
export interface PubrelPacket {
  type: 'PUBREL';
  msgId: number;
}
export interface PubcompPacket {
  type: 'PUBCOMP';
  msgId: number;
}

// ---- Subscriptions (MQTT-SN §5.4.15-§5.4.18) ----

export interface SubscribePacket {
  type: 'SUBSCRIBE';
  dup: boolean;
  qos: QoSLevel;
  msgId: number;
  topic: SubscribeTopic;
}
export interface SubackPacket {
  type: 'SUBACK';
  /** Granted QoS. */
  qos: QoSLevel;
  /** 0x0000 for wildcard subscriptions and short names (MQTT-SN §5.4.16, §6.9). */
  topicId: number;
  msgId: number;
  returnCode: ReturnCode;
}
export interface UnsubscribePacket {
  type: 'UNSUBSCRIBE';
  msgId: number;
  topic: SubscribeTopic;
}
export interface UnsubackPacket {
  type: 'UNSUBACK';
  msgId: number;
}

// ---- Keep-alive and disconnect (MQTT-SN §5.4.19-§5.4.21) ----

export interface PingreqPacket {
  type: 'PINGREQ';
  /** Present when a sleeping client wakes up to fetch its buffered messages (MQTT-SN §6.14). */
  clientId?: string;
}
export interface PingrespPacket {
  type: 'PINGRESP';
}
export interface DisconnectPacket {
  type: 'DISCONNECT';
  /** Sleep duration in seconds: present when a client goes to sleep (MQTT-SN §6.14). */
  duration?: number;
}

// ---- Will update (MQTT-SN §5.4.22-§5.4.25) ----

export interface WillTopicUpdPacket {
  type: 'WILLTOPICUPD';
  /** null: the empty (2-octet) WILLTOPICUPD that deletes will topic and will message (§5.4.22). */
  will: WillTopicFields | null;
}
export interface WillMsgUpdPacket {
  type: 'WILLMSGUPD';
  willMsg: Buffer;
}
export interface WillTopicRespPacket {
  type: 'WILLTOPICRESP';
  returnCode: ReturnCode;
}
export interface WillMsgRespPacket {
  type: 'WILLMSGRESP';
  returnCode: ReturnCode;
}

// ---- Forwarder encapsulation (MQTT-SN §5.5) ----

export interface EncapsulatedPacket {
  type: 'ENCAPSULATED';
  /** Ctrl octet bits 1-0: broadcast radius, relevant from gateway to forwarder (Table 29). */
  radius: number;
  /** Identifies the wireless node behind the forwarder; opaque to the gateway. May be empty. */
  wirelessNodeId: Buffer;
  /**
   * The encapsulated MQTT-SN message. `decode` always gives the raw bytes (already checked to be one
   * complete message by its own Length field), so a bad inner message can be reported against its
   * wireless node: decode them again with `decode`. `encode` accepts raw bytes or a packet.
   */
  inner: Buffer | MqttSnPacket;
}

export type MqttSnPacket =
  | AdvertisePacket
  | SearchGwPacket
  | GwInfoPacket
  | ConnectPacket
  | ConnackPacket
  | WillTopicReqPacket
  | WillTopicPacket
  | WillMsgReqPacket
  | WillMsgPacket
  | RegisterPacket
  | RegackPacket
  | PublishPacket
  | PubackPacket
  | PubrecPacket
  | PubrelPacket
  | PubcompPacket
  | SubscribePacket
  | SubackPacket
  | UnsubscribePacket
  | UnsubackPacket
  | PingreqPacket
  | PingrespPacket
  | DisconnectPacket
  | WillTopicUpdPacket
  | WillMsgUpdPacket
  | WillTopicRespPacket
  | WillMsgRespPacket
  | EncapsulatedPacket;

/** The packet interface for a given `type` name, e.g. `PacketOf<'PUBLISH'>`. */
export type PacketOf<T extends MsgTypeName> = Extract<MqttSnPacket, { type: T }>;

// ---- Errors ----

/**
 * Why a datagram did not decode.
 * - 'truncated': fewer octets than the header or the Length field announce.
 * - 'length-mismatch': more octets than the Length field announces. A datagram is exactly one message
 *   (MQTT-SN §5.1, §5.2.1), so trailing octets are rejected rather than silently dropped: they mean
 *   a broken sender or two messages glued together, and guessing would hide it.
 * - 'invalid-length': a Length value that cannot be (0x00, or a 3-octet Length below 4).
 * - 'wrong-size': the Length is consistent but does not fit the layout of the message type
 *   (e.g. a 4-octet CONNACK, a 5-octet DISCONNECT).
 * - 'reserved-type': MsgType 0x03, 0x11, 0x19, 0x1E-0xFD or 0xFF (MQTT-SN §5.2.2).
 * - 'invalid-field': a reserved value in a field: ProtocolId ≠ 0x01, TopicIdType 0b11, QoS 0b11
 *   outside PUBLISH, ReturnCode 0x04-0xFF.
 * - 'invalid-utf8': a ClientId, topic name or will topic that is not well-formed UTF-8, or a topic
 *   name containing U+0000 (forbidden in MQTT topics, which these become).
 */
export type DecodeErrorKind =
  | 'truncated'
  | 'length-mismatch'
  | 'invalid-length'
  | 'wrong-size'
  | 'reserved-type'
  | 'invalid-field'
  | 'invalid-utf8';

export interface DecodeError {
  kind: DecodeErrorKind;
  /** A sentence for the log line, e.g. "PUBLISH: TopicIdType 0b11 is reserved (MQTT-SN §5.3.4)". */
  message: string;
  /** The MsgType octet, when the header could be read: lets the gateway pick the right answer. */
  msgType?: number;
  /** The MsgId, when it could be read before the bad field (to answer SUBACK/REGACK/PUBACK). */
  msgId?: number;
  /** The TopicId field of a PUBLISH, when it could be read (to answer PUBACK). */
  topicId?: number;
}

export type DecodeResult = { ok: true; packet: MqttSnPacket } | { ok: false; error: DecodeError };
