/** Connection setup and the will handshake (MQTT-SN §5.4.4-§5.4.9, flows in §6.2, §6.3). */
import { fail } from '../errors.js';
import { badUtf8, checkU16, readUtf8, utf8Size, writeU16, wrongSize } from '../fields.js';
import { encodeFlags, FLAG_CLEAN_SESSION, FLAG_WILL } from '../flags.js';
import { type ConnectPacket, MsgType } from '../types.js';
import type { BodyCodec } from './body-codec.js';
import { headerOnly, returnCodeOnly, willMsgBytes, willTopic } from './shapes.js';

/** ProtocolId of MQTT-SN v1.2; all other values are reserved (§5.3.8). */
export const PROTOCOL_ID = 0x01;

/**
 * §5.4.4 Table 9: Flags(2) ProtocolId(3) Duration(4,5) ClientId(6:n). Only Will and CleanSession
 * are used in the Flags; the other bits are ignored. The ClientId is decoded whatever its length
 * (the spec says 1-23 characters; gateways commonly allow more: the gateway's policy decides).
 */
export const connect: BodyCodec<ConnectPacket> = {
  decode(buf, start, end) {
    if (end - start < 4) return wrongSize(MsgType.CONNECT, end - start, 'at least 4', '§5.4.4');
    const flags = buf[start]!;
    const protocolId = buf[start + 1]!;
    if (protocolId !== PROTOCOL_ID) {
      return fail(
        'invalid-field',
        `CONNECT: ProtocolId 0x${protocolId.toString(16).padStart(2, '0')} is not 0x01 (MQTT-SN §5.3.8)`,
        { msgType: MsgType.CONNECT },
      );
    }
    const clientId = readUtf8(buf, start + 4, end);
    if (clientId === undefined) return badUtf8(MsgType.CONNECT, 'ClientId');
    return {
      ok: true,
      packet: {
        type: 'CONNECT',
        will: (flags & FLAG_WILL) !== 0,
        cleanSession: (flags & FLAG_CLEAN_SESSION) !== 0,
        duration: buf.readUInt16BE(start + 2),
        clientId,
      },
    };
  },
  size: (p) => 4 + utf8Size(p.clientId),
  write(p, buf, o) {
    buf[o] = encodeFlags({ will: p.will, cleanSession: p.cleanSession });
    buf[o + 1] = PROTOCOL_ID;
    writeU16(buf, o + 2, checkU16('CONNECT', 'Duration', p.duration));
    buf.write(p.clientId, o + 4, 'utf8');
  },
};

export const connack = returnCodeOnly('CONNACK', '§5.4.5');
export const willTopicReq = headerOnly('WILLTOPICREQ', '§5.4.6');
export const willTopicMessage = willTopic('WILLTOPIC', '§5.4.7');
export const willMsgReq = headerOnly('WILLMSGREQ', '§5.4.8');
export const willMsg = willMsgBytes('WILLMSG');
