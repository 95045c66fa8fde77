/**
 * An XBee API line: one local radio (coordinator) on the serial port, many remote radios behind it,
 * each one peer keyed by its 64-bit address ("xbee:<path>:<src64hex>"). The 16-bit network address
 * can change when a radio rejoins, so it is kept up to date from each Receive Packet, not keyed on.
 */
import type { PeerAddress } from '../types.js';
import { encodeXbeeFrame, type XbeeApiMode, XbeeFrameDecoder } from './framing/xbee-api.js';
import {
  ADDRESS_16_UNKNOWN,
  BROADCAST_64,
  buildTransmitRequest,
  parseXbeeApiFrame,
  type ReceivePacket,
  TRANSMIT_REQUEST_HEADER,
  type TransmitStatus,
  XbeeFrameError,
} from './framing/xbee-frames.js';
import { FramingTroubleReporter, type LineContext, type LineProtocol, writeCounted } from './line.js';

/** MQTT-SN §7.4: over ZigBee the largest MQTT-SN message is 60 octets. */
export const DEFAULT_XBEE_MAX_PAYLOAD = 60;
/** Bound on remembered radios; the oldest is forgotten beyond it (its key stays valid). */
const MAX_RADIOS = 4096;
/** Frame ids 1..255 ask for a Transmit Status; 0 would suppress it. */
const FRAME_IDS = 255;

export class XbeePeer implements PeerAddress {
  constructor(
    readonly key: string,
    readonly transport: PeerAddress['transport'],
    readonly address64: Buffer,
    public address16: number,
  ) {}
}

export interface XbeeLineCounters {
  deliveryFailures: number;
  modemStatus: number;
  otherFrames: number;
  badApiFrames: number;
}

export interface XbeeLineOptions {
  mode: XbeeApiMode;
  maxPayload: number;
}

const TROUBLE_KEYS = ['badChecksums', 'badLengths', 'truncated', 'droppedBytes'] as const;

export function createXbeeLine(context: LineContext, options: XbeeLineOptions): LineProtocol {
  const decoder = new XbeeFrameDecoder({
    mode: options.mode,
    maxFrameData: Math.max(1024, options.maxPayload + TRANSMIT_REQUEST_HEADER),
  });
  const counters: XbeeLineCounters = { deliveryFailures: 0, modemStatus: 0, otherFrames: 0, badApiFrames: 0 };
  const radios = new Map<string, XbeePeer>();
  /** Who each outstanding frame id was sent to, so a Transmit Status finds its client. */
  const awaitingStatus: Array<XbeePeer | undefined> = new Array(FRAME_IDS + 1);
  let lastFrameId = 0;
  const trouble = new FramingTroubleReporter(context, () => `the radio on ${context.path}`);

  const peerFor = (rx: ReceivePacket): XbeePeer => {
    const hex = rx.src64.toString('hex');
    let peer = radios.get(hex);
    if (peer) {
      peer.address16 = rx.src16;
      return peer;
    }
    if (radios.size >= MAX_RADIOS) {
      const oldest = radios.keys().next();
      if (!oldest.done) radios.delete(oldest.value);
    }
    peer = new XbeePeer(`xbee:${context.path}:${hex}`, context.transport, Buffer.from(rx.src64), rx.src16);
    radios.set(hex, peer);
    return peer;
  };

  const onTransmitStatus = (status: TransmitStatus): void => {
    const peer = awaitingStatus[status.frameId];
    awaitingStatus[status.frameId] = undefined;
    if (status.deliveryStatus === 0 || !peer) return;
    counters.deliveryFailures++;
    context.logger.info(
      `${context.name}: delivery to ${peer.key} failed (status 0x${status.deliveryStatus.toString(16)}, ${status.retries} retries)`,
    );
    context.events()?.deliveryFailed?.(peer);
  };

  const onFrame = (frameData: Buffer): void => {
    const frame = parseXbeeApiFrame(frameData);
    if (frame instanceof XbeeFrameError) {
      counters.badApiFrames++;
      context.logger.warn(`${context.name}: ${frame.message}`);
      return;
    }
    switch (frame.type) {
      case 'receive': {
        const peer = peerFor(frame);
        context.counters.datagramsIn++;
        context.events()?.datagram(frame.data, peer);
        return;
      }
      case 'transmit-status':
        onTransmitStatus(frame);
        return;
      case 'modem-status':
        counters.modemStatus++;
        context.logger.info(`${context.name}: radio modem status 0x${frame.status.toString(16)}`);
        return;
      default:
        counters.otherFrames++;
        if (context.logger.debugEnabled) {
          context.logger.debug(`${context.name}: ignored API frame 0x${frame.apiId.toString(16)}`);
        }
    }
  };

  const nextFrameId = (): number => {
    lastFrameId = (lastFrameId % FRAME_IDS) + 1;
    return lastFrameId;
  };

  const fitsRadio = (data: Buffer, to: string): boolean => {
    if (data.length <= options.maxPayload) return true;
    context.counters.oversize++;
    context.logger.warn(
      `${context.name}: message of ${data.length} octets to ${to} exceeds the radio payload limit ${options.maxPayload}; not sent`,
    );
    return false;
  };

  return {
    mtu: options.maxPayload,
    onBytes(chunk, now) {
      for (const frameData of decoder.push(chunk)) onFrame(frameData);
      trouble.check(decoder.counters, TROUBLE_KEYS, now);
    },
    send(data, to) {
      if (!(to instanceof XbeePeer) || to.transport !== context.transport) {
        context.counters.refused++;
        context.logger.warn(`${context.name}: cannot send to ${to.key}: not a radio on this line`);
        return;
      }
      if (!fitsRadio(data, to.key)) return;
      const frameId = nextFrameId();
      awaitingStatus[frameId] = to;
      const request = buildTransmitRequest({ frameId, dest64: to.address64, dest16: to.address16, data });
      writeCounted(context, encodeXbeeFrame(request, options.mode), to.key);
    },
    broadcast(data) {
      if (!fitsRadio(data, 'broadcast')) return;
      // Frame id 0: no Transmit Status for a broadcast, which has no one client to blame.
      const request = buildTransmitRequest({
        frameId: 0,
        dest64: BROADCAST_64,
        dest16: ADDRESS_16_UNKNOWN,
        data,
      });
      writeCounted(context, encodeXbeeFrame(request, options.mode), 'broadcast');
    },
    reset: () => decoder.reset(),
    framingCounters: () => ({ ...decoder.counters, ...counters }),
  };
}
