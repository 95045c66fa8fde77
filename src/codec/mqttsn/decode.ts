/**
 * decode: one datagram in, one typed packet or one typed error out (MQTT-SN §5). Never throws: every
 * read is bounds-checked against the Length field first (fuzzed in test/unit/codec/mqttsn).
 *
 * A datagram is exactly one message (§5.1): fewer octets than Length is 'truncated', more is
 * 'length-mismatch' (trailing octets are rejected, not ignored — see DecodeErrorKind). The forwarder
 * encapsulation is the one message whose Length does not cover the datagram (§5.5).
 */
import { fail } from './errors.js';
import { msgTypeLabel, readHeader } from './header.js';
import type { BodyCodec } from './messages/body-codec.js';
import { decodeEncapsulated } from './messages/encapsulation.js';
import { BODY_CODECS, type BodyTypeName } from './messages/index.js';
import { type DecodeResult, type MqttSnPacket, MsgType } from './types.js';

const CODEC_BY_CODE: ReadonlyMap<number, BodyCodec<MqttSnPacket>> = new Map(
  (Object.keys(BODY_CODECS) as BodyTypeName[]).map((name) => [
    MsgType[name],
    BODY_CODECS[name] as BodyCodec<MqttSnPacket>,
  ]),
);

export function decode(buf: Buffer): DecodeResult {
  const header = readHeader(buf);
  if (!header.ok) return header;
  const { length, headerSize, msgType } = header.header;
  if (msgType === MsgType.ENCAPSULATED) return decodeEncapsulated(buf, header.header);
  const codec = CODEC_BY_CODE.get(msgType);
  if (codec === undefined) {
    return fail('reserved-type', `MsgType 0x${hex(msgType)} is reserved (MQTT-SN §5.2.2)`, { msgType });
  }
  if (buf.length < length) {
    return fail(
      'truncated',
      `${msgTypeLabel(msgType)}: Length ${length} but the datagram has ${buf.length} octet(s) (MQTT-SN §5.2.1)`,
      { msgType },
    );
  }
  if (buf.length > length) {
    return fail(
      'length-mismatch',
      `${msgTypeLabel(msgType)}: Length ${length} but the datagram has ${buf.length} octets; a datagram is one message (MQTT-SN §5.1)`,
      { msgType },
    );
  }
  return codec.decode(buf, headerSize, length);
}

function hex(octet: number): string {
  return octet.toString(16).padStart(2, '0');
}
