/**
 * Sensors behind a serial line, as the gateway's serial transport expects them:
 * - raw: MQTT-SN messages back to back (their Length field frames them). One sensor speaks plainly;
 *   several share the line through forwarder encapsulation (§5.5), one wireless node id each.
 * - xbee-api1 / xbee-api2: the simulator plays the gateway's local XBee radio. Every sensor is a
 *   remote radio with its own 64-bit address: its messages reach the gateway as 0x90 Receive Packets;
 *   the gateway's 0x10 Transmit Requests are routed by destination address and answered with a
 *   0x8B Transmit Status, like a real radio (0x21 "network ACK failure" when the loss model drops it).
 */
import { SerialPort } from 'serialport';
import {
  DEFAULT_RAW_MAX_PACKET,
  encodeRawPacket,
  RawDecoder,
} from '../../src/transport/serial/framing/raw.js';
import {
  encodeXbeeFrame,
  type XbeeApiMode,
  XbeeFrameDecoder,
} from '../../src/transport/serial/framing/xbee-api.js';
import {
  API_TRANSMIT_REQUEST,
  BROADCAST_64,
  buildReceivePacket,
  buildTransmitStatus,
  TRANSMIT_REQUEST_HEADER,
} from '../../src/transport/serial/framing/xbee-frames.js';
import { readUntilHangUp } from '../../src/transport/serial/hang-up-read.js';
import { decapsulate, encapsulate, nodeIdFor } from './node-ids.js';
import {
  emptyNetworkCounters,
  type LossModel,
  type Network,
  type Receive,
  type SensorLink,
} from './types.js';

export type SerialFraming = 'raw' | 'xbee-api1' | 'xbee-api2';

export interface SerialNetworkOptions {
  path: string;
  baudRate: number;
  framing: SerialFraming;
  /** Raw framing: wrap every sensor's messages in a forwarder encapsulation (forced above 1 sensor). */
  forwarder: boolean;
  loss: LossModel;
  onError(message: string): void;
}

/** MQTT-SN §7.4: over ZigBee a message is at most 60 octets. */
const XBEE_MTU = 60;
const DELIVERY_OK = 0x00;
const NETWORK_ACK_FAILURE = 0x21;
const ADDRESS_NOT_FOUND = 0x24;
const RX_OPTION_ACKNOWLEDGED = 0x01;
const RX_OPTION_BROADCAST = 0x02;

/** 64-bit address of sensor `index`: Digi's OUI prefix 0013A200, then index + 1. */
export function xbeeAddressFor(index: number): Buffer {
  const address = Buffer.from([0x00, 0x13, 0xa2, 0x00, 0, 0, 0, 0]);
  address.writeUInt32BE(index + 1, 4);
  return address;
}

async function openPort(path: string, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  readUntilHangUp(port);
  return port;
}

export async function createSerialNetwork(options: SerialNetworkOptions): Promise<Network> {
  const port = await openPort(options.path, options.baudRate);
  const counters = emptyNetworkCounters();
  const receivers = new Map<number, Receive>();
  const { loss } = options;
  port.on('error', (error) => options.onError(`serial ${options.path}: ${error.message}`));
  const write = (bytes: Buffer): void => {
    port.write(bytes, (error) => {
      if (error) {
        counters.sendErrors++;
        options.onError(`serial ${options.path}: write failed: ${error.message}`);
      }
    });
  };
  const deliver = (index: number, message: Buffer): boolean => {
    const receive = receivers.get(index);
    if (!receive) {
      counters.unroutable++;
      return false;
    }
    if (loss.dropDownlink(index)) {
      counters.droppedByLoss++;
      return false;
    }
    receive(message, undefined);
    return true;
  };
  const line =
    options.framing === 'raw'
      ? rawLine(options, write, deliver, counters)
      : xbeeLine(options.framing === 'xbee-api1' ? 1 : 2, write, deliver, counters, () => [
          ...receivers.keys(),
        ]);
  port.on('data', (chunk: Buffer) => line.fromGateway(chunk));

  const attach = async (index: number, receive: Receive): Promise<SensorLink> => {
    if (options.framing === 'raw' && !options.forwarder && receivers.size > 0) {
      throw new RangeError('raw serial framing carries one sensor; use --forwarder for more');
    }
    receivers.set(index, receive);
    const send = (data: Buffer): void => {
      counters.datagramsOut++;
      counters.octetsOut += data.length;
      if (loss.dropUplink(index)) {
        counters.droppedByLoss++;
        return;
      }
      line.toGateway(index, data, false);
    };
    return {
      mtu: line.mtu,
      send,
      broadcast: (data) => {
        counters.datagramsOut++;
        if (!loss.dropUplink(index)) line.toGateway(index, data, true);
        else counters.droppedByLoss++;
      },
      adoptGateway: () => {},
    };
  };

  return {
    name: `serial ${options.path} ${options.framing}${options.forwarder ? ' forwarder' : ''}`,
    counters,
    attach,
    close: () =>
      new Promise<void>((resolve) => {
        receivers.clear();
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}

interface Line {
  readonly mtu: number;
  toGateway(index: number, message: Buffer, broadcast: boolean): void;
  fromGateway(chunk: Buffer): void;
}

type Deliver = (index: number, message: Buffer) => boolean;

function rawLine(
  options: SerialNetworkOptions,
  write: (bytes: Buffer) => void,
  deliver: Deliver,
  counters: ReturnType<typeof emptyNetworkCounters>,
): Line {
  const decoder = new RawDecoder();
  const forwarder = options.forwarder;
  return {
    // An encapsulation adds 5 octets (Length, MsgType, Ctrl, 2-octet node id).
    mtu: forwarder ? DEFAULT_RAW_MAX_PACKET - 5 : DEFAULT_RAW_MAX_PACKET,
    toGateway: (index, message) => {
      const framed = encodeRawPacket(forwarder ? encapsulate(nodeIdFor(index), message) : message);
      if (framed instanceof Error) {
        counters.sendErrors++;
        options.onError(framed.message);
        return;
      }
      write(framed);
    },
    fromGateway: (chunk) => {
      for (const packet of decoder.push(chunk, Date.now())) {
        counters.datagramsIn++;
        counters.octetsIn += packet.length;
        if (!forwarder) {
          deliver(0, packet);
          continue;
        }
        const unwrapped = decapsulate(packet);
        if (unwrapped) deliver(unwrapped.index, unwrapped.message);
        else counters.unroutable++;
      }
    },
  };
}

function xbeeLine(
  mode: XbeeApiMode,
  write: (bytes: Buffer) => void,
  deliver: Deliver,
  counters: ReturnType<typeof emptyNetworkCounters>,
  attached: () => number[],
): Line {
  const decoder = new XbeeFrameDecoder({ mode });
  const status = (frameId: number, delivery: number): void => {
    if (frameId !== 0) write(encodeXbeeFrame(buildTransmitStatus(frameId, delivery), mode));
  };
  const onTransmitRequest = (frame: Buffer): void => {
    if (frame.length < TRANSMIT_REQUEST_HEADER) {
      counters.unroutable++;
      return;
    }
    const frameId = frame[1]!;
    const dest64 = frame.subarray(2, 10);
    const data = Buffer.from(frame.subarray(TRANSMIT_REQUEST_HEADER));
    counters.datagramsIn++;
    counters.octetsIn += data.length;
    if (dest64.equals(BROADCAST_64)) {
      for (const index of attached()) deliver(index, data);
      status(frameId, DELIVERY_OK);
      return;
    }
    const isOurs = dest64.readUInt32BE(0) === 0x0013a200;
    const index = isOurs ? dest64.readUInt32BE(4) - 1 : -1;
    if (index < 0) {
      counters.unroutable++;
      status(frameId, ADDRESS_NOT_FOUND);
      return;
    }
    status(frameId, deliver(index, data) ? DELIVERY_OK : NETWORK_ACK_FAILURE);
  };
  return {
    mtu: XBEE_MTU,
    toGateway: (index, message, broadcast) => {
      const options = broadcast ? RX_OPTION_BROADCAST : RX_OPTION_ACKNOWLEDGED;
      // 16-bit network address: index + 1 (0x0000 is the coordinator, 0xFFFE means unknown).
      const frame = buildReceivePacket(xbeeAddressFor(index), 1 + (index % 0xfff0), message, options);
      write(encodeXbeeFrame(frame, mode));
    },
    fromGateway: (chunk) => {
      for (const frame of decoder.push(chunk)) {
        if (frame[0] === API_TRANSMIT_REQUEST) onTransmitRequest(frame);
        else counters.unroutable++;
      }
    },
  };
}
