/**
 * The XBee API frames an MQTT-SN gateway needs (ZigBee API ids, as the Paho gateway uses them;
 * research/mqtt-sn-landscape.md §6.1). Pure: frame data in, typed frame or typed error out.
 */

export const API_TRANSMIT_REQUEST = 0x10;
export const API_MODEM_STATUS = 0x8a;
export const API_TRANSMIT_STATUS = 0x8b;
export const API_RECEIVE_PACKET = 0x90;
/** Sent instead of 0x90 by radios set to AO=1 (explicit addressing); same source, more fields. */
export const API_EXPLICIT_RECEIVE = 0x91;

/** Broadcast destination of a Transmit Request: 64-bit 0x000000000000FFFF, 16-bit 0xFFFE. */
export const BROADCAST_64: Readonly<Buffer> = Buffer.from([0, 0, 0, 0, 0, 0, 0xff, 0xff]);
/** 16-bit address "unknown / broadcast": the radio then resolves the 64-bit address itself. */
export const ADDRESS_16_UNKNOWN = 0xfffe;

/** Octets of a Transmit Request before its RF data. */
export const TRANSMIT_REQUEST_HEADER = 14;
const RECEIVE_PACKET_HEADER = 12;
/** 0x91: src64, src16, src/dst endpoint, cluster id, profile id, options, then RF data. */
const EXPLICIT_RECEIVE_HEADER = 18;
const TRANSMIT_STATUS_LENGTH = 7;

/**
 * 0x90 Receive Packet: `0x90 | src64(8) | src16(2) | options(1) | RF data`; a 0x91 Explicit Rx
 * Indicator (AO=1) is read as the same thing, its endpoints and cluster/profile ids skipped.
 */
export interface ReceivePacket {
  readonly type: 'receive';
  readonly src64: Buffer;
  readonly src16: number;
  readonly options: number;
  readonly data: Buffer;
}

/** 0x8B Transmit Status: `0x8B | frame id | dest16(2) | retries | delivery | discovery`. */
export interface TransmitStatus {
  readonly type: 'transmit-status';
  readonly frameId: number;
  readonly dest16: number;
  readonly retries: number;
  /** 0 = success; anything else is a delivery failure (e.g. 0x21 network ACK failure). */
  readonly deliveryStatus: number;
  readonly discoveryStatus: number;
}

/** 0x8A Modem Status (hardware reset, joined network …): reported, otherwise ignored. */
export interface ModemStatus {
  readonly type: 'modem-status';
  readonly status: number;
}

export interface OtherFrame {
  readonly type: 'other';
  readonly apiId: number;
}

export type XbeeApiFrame = ReceivePacket | TransmitStatus | ModemStatus | OtherFrame;

export class XbeeFrameError extends Error {
  override readonly name = 'XbeeFrameError';
}

export function parseXbeeApiFrame(frameData: Buffer): XbeeApiFrame | XbeeFrameError {
  const apiId = frameData[0];
  if (apiId === undefined) return new XbeeFrameError('xbee: empty frame');
  switch (apiId) {
    case API_RECEIVE_PACKET:
      return receivePacket(frameData, RECEIVE_PACKET_HEADER, 'Receive Packet 0x90');
    case API_EXPLICIT_RECEIVE:
      return receivePacket(frameData, EXPLICIT_RECEIVE_HEADER, 'Explicit Rx Indicator 0x91');
    case API_TRANSMIT_STATUS:
      if (frameData.length < TRANSMIT_STATUS_LENGTH)
        return tooShort('Transmit Status 0x8B', frameData.length);
      return {
        type: 'transmit-status',
        frameId: frameData[1]!,
        dest16: frameData.readUInt16BE(2),
        retries: frameData[4]!,
        deliveryStatus: frameData[5]!,
        discoveryStatus: frameData[6]!,
      };
    case API_MODEM_STATUS:
      if (frameData.length < 2) return tooShort('Modem Status 0x8A', frameData.length);
      return { type: 'modem-status', status: frameData[1]! };
    default:
      return { type: 'other', apiId };
  }
}

/** 0x90 and 0x91 both start `src64(8) | src16(2)` and end `options(1) | RF data`. */
function receivePacket(frameData: Buffer, header: number, what: string): ReceivePacket | XbeeFrameError {
  if (frameData.length < header) return tooShort(what, frameData.length);
  return {
    type: 'receive',
    src64: frameData.subarray(1, 9),
    src16: frameData.readUInt16BE(9),
    options: frameData[header - 1]!,
    data: frameData.subarray(header),
  };
}

function tooShort(what: string, length: number): XbeeFrameError {
  return new XbeeFrameError(`xbee: ${what} frame of ${length} octets is too short`);
}

export interface TransmitRequest {
  /** 1..255 asks the radio for a Transmit Status; 0 asks for none. */
  frameId: number;
  dest64: Uint8Array;
  dest16: number;
  data: Uint8Array;
}

/** 0x10 Transmit Request: `0x10 | frame id | dest64(8) | dest16(2) | radius 0 | options 0 | RF data`. */
export function buildTransmitRequest(request: TransmitRequest): Buffer {
  const frame = Buffer.allocUnsafe(TRANSMIT_REQUEST_HEADER + request.data.length);
  frame[0] = API_TRANSMIT_REQUEST;
  frame[1] = request.frameId;
  frame.set(request.dest64, 2);
  frame.writeUInt16BE(request.dest16, 10);
  frame[12] = 0; // broadcast radius: the network's maximum hops
  frame[13] = 0; // options: none
  frame.set(request.data, TRANSMIT_REQUEST_HEADER);
  return frame;
}

/** Builds a 0x90 Receive Packet (what a radio hands the gateway); used by simulators and tests. */
export function buildReceivePacket(
  src64: Uint8Array,
  src16: number,
  data: Uint8Array,
  options = 0x01,
): Buffer {
  const frame = Buffer.allocUnsafe(RECEIVE_PACKET_HEADER + data.length);
  frame[0] = API_RECEIVE_PACKET;
  frame.set(src64, 1);
  frame.writeUInt16BE(src16, 9);
  frame[11] = options;
  frame.set(data, RECEIVE_PACKET_HEADER);
  return frame;
}

/** Builds a 0x8B Transmit Status; used by simulators and tests. */
export function buildTransmitStatus(
  frameId: number,
  deliveryStatus: number,
  dest16 = ADDRESS_16_UNKNOWN,
): Buffer {
  const frame = Buffer.alloc(TRANSMIT_STATUS_LENGTH);
  frame[0] = API_TRANSMIT_STATUS;
  frame[1] = frameId;
  frame.writeUInt16BE(dest16, 2);
  frame[5] = deliveryStatus;
  return frame;
}
