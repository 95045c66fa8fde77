/** Keep-alive and disconnect: PINGREQ, PINGRESP, DISCONNECT (MQTT-SN §5.4.19-§5.4.21, §6.14). */
import { badUtf8, checkU16, readUtf8, utf8Size, writeU16, wrongSize } from '../fields.js';
import { type DisconnectPacket, MsgType, type PingreqPacket } from '../types.js';
import type { BodyCodec } from './body-codec.js';
import { headerOnly } from './shapes.js';

/**
 * §5.4.19 Table 22: ClientId (optional, 2:n), present when a sleeping client wakes up. An empty
 * ClientId is the same message as no ClientId (a 2-octet PINGREQ), so it decodes without one.
 */
export const pingreq: BodyCodec<PingreqPacket> = {
  decode(buf, start, end) {
    if (end === start) return { ok: true, packet: { type: 'PINGREQ' } };
    const clientId = readUtf8(buf, start, end);
    if (clientId === undefined) return badUtf8(MsgType.PINGREQ, 'ClientId');
    return { ok: true, packet: { type: 'PINGREQ', clientId } };
  },
  size: (p) => (p.clientId === undefined ? 0 : utf8Size(p.clientId)),
  write(p, buf, o) {
    if (p.clientId !== undefined) buf.write(p.clientId, o, 'utf8');
  },
};

/** §5.4.20 Table 23: header only. */
export const pingresp = headerOnly('PINGRESP', '§5.4.20');

/** §5.4.21 Table 24: Duration (optional, 2-3), the sleep time of a client going to sleep. */
export const disconnect: BodyCodec<DisconnectPacket> = {
  decode(buf, start, end) {
    if (end === start) return { ok: true, packet: { type: 'DISCONNECT' } };
    if (end - start !== 2) return wrongSize(MsgType.DISCONNECT, end - start, '0 or 2', '§5.4.21');
    return { ok: true, packet: { type: 'DISCONNECT', duration: buf.readUInt16BE(start) } };
  },
  size: (p) => (p.duration === undefined ? 0 : 2),
  write(p, buf, o) {
    if (p.duration !== undefined) writeU16(buf, o, checkU16('DISCONNECT', 'Duration', p.duration));
  },
};
