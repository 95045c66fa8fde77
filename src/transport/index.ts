/**
 * What the rest of the gateway may use from the transports (DESIGN.md principle 8): the contract,
 * the two factories, and the framings for simulators that speak to a serial line.
 */
export {
  encodeRawPacket,
  probeRawPacket,
  RawDecoder,
  RawFramingError,
} from './serial/framing/raw.js';
export { encodeXbeeFrame, type XbeeApiMode, XbeeFrameDecoder } from './serial/framing/xbee-api.js';
export {
  BROADCAST_64,
  buildReceivePacket,
  buildTransmitRequest,
  buildTransmitStatus,
  parseXbeeApiFrame,
  type XbeeApiFrame,
  XbeeFrameError,
} from './serial/framing/xbee-frames.js';
export { readUntilHangUp } from './serial/hang-up-read.js';
export {
  createSerialTransport,
  SerialConfigError,
  type SerialCounters,
  type SerialFraming,
  type SerialTransport,
  type SerialTransportOptions,
} from './serial/serial-transport.js';
export { XbeePeer } from './serial/xbee-line.js';
export type { DatagramEvents, DatagramTransport, PeerAddress } from './types.js';
export {
  createUdpTransport,
  type UdpCounters,
  UdpPeer,
  type UdpTransport,
  type UdpTransportOptions,
} from './udp.js';
