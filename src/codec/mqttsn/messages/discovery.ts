/** Gateway discovery: ADVERTISE, SEARCHGW, GWINFO (MQTT-SN §5.4.1-§5.4.3, flows in §6.1). */
import { checkU8, checkU16, copyBytes, writeU16, wrongSize } from '../fields.js';
import type { AdvertisePacket, GwInfoPacket, SearchGwPacket } from '../types.js';
import { MsgType } from '../types.js';
import type { BodyCodec } from './body-codec.js';

/** §5.4.1 Table 6: GwId(2) Duration(3,4). */
export const advertise: BodyCodec<AdvertisePacket> = {
  decode(buf, start, end) {
    if (end - start !== 3) return wrongSize(MsgType.ADVERTISE, end - start, '3', '§5.4.1');
    return {
      ok: true,
      packet: { type: 'ADVERTISE', gwId: buf[start]!, duration: buf.readUInt16BE(start + 1) },
    };
  },
  size: () => 3,
  write(p, buf, o) {
    buf[o] = checkU8('ADVERTISE', 'GwId', p.gwId);
    writeU16(buf, o + 1, checkU16('ADVERTISE', 'Duration', p.duration));
  },
};

/** §5.4.2 Table 7: Radius(2). */
export const searchGw: BodyCodec<SearchGwPacket> = {
  decode(buf, start, end) {
    if (end - start !== 1) return wrongSize(MsgType.SEARCHGW, end - start, '1', '§5.4.2');
    return { ok: true, packet: { type: 'SEARCHGW', radius: buf[start]! } };
  },
  size: () => 1,
  write(p, buf, o) {
    buf[o] = checkU8('SEARCHGW', 'Radius', p.radius);
  },
};

/** §5.4.3 Table 8: GwId(2) GwAdd*(3:n), GwAdd only when a client answers for a gateway. */
export const gwInfo: BodyCodec<GwInfoPacket> = {
  decode(buf, start, end) {
    if (end - start < 1) return wrongSize(MsgType.GWINFO, end - start, 'at least 1', '§5.4.3');
    const gwId = buf[start]!;
    if (end - start === 1) return { ok: true, packet: { type: 'GWINFO', gwId } };
    return { ok: true, packet: { type: 'GWINFO', gwId, gwAdd: copyBytes(buf, start + 1, end) } };
  },
  size: (p) => 1 + (p.gwAdd?.length ?? 0),
  write(p, buf, o) {
    buf[o] = checkU8('GWINFO', 'GwId', p.gwId);
    p.gwAdd?.copy(buf, o + 1);
  },
};
