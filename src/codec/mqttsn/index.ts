/**
 * The MQTT-SN v1.2 codec (MQTT-SN §5): pure functions, bytes in, typed packet or typed error out.
 *   const r = decode(datagram); if (!r.ok) log(describeError(r.error)); else handle(r.packet);
 *   transport.send(encode({ type: 'CONNACK', returnCode: ReturnCode.ACCEPTED }), peer);
 */
export { decode } from './decode.js';
export { describe, describeError } from './describe.js';
export { encode, encodedLength, tryEncode } from './encode.js';
export { EncodeError } from './errors.js';
export { decodeFlags, encodeFlags } from './flags.js';
export { type Header, headerSizeFor, MAX_SHORT_TOTAL, MAX_TOTAL, msgTypeName, readHeader } from './header.js';
export { PROTOCOL_ID } from './messages/connect.js';
export { topicIdFieldValue } from './messages/topic-field.js';
export * from './types.js';
