/**
 * A raw MQTT-SN serial line (mqtt-sn-tools compatible): one client on the line, so one peer.
 * A forwarder on the line multiplexes many nodes with the §5.5 encapsulation, which the gateway
 * decodes; to the transport it is still the one peer.
 */
import type { PeerAddress } from '../types.js';
import { encodeRawPacket, RawDecoder, RawFramingError } from './framing/raw.js';
import { FramingTroubleReporter, type LineContext, type LineProtocol, writeCounted } from './line.js';

/** Leaves room for a forwarder encapsulation header around a packet of `mtu` octets (§5.5). */
const ENCAPSULATION_HEADROOM = 256;

class RawLinePeer implements PeerAddress {
  constructor(
    readonly key: string,
    readonly transport: PeerAddress['transport'],
  ) {}
}

export interface RawLineOptions {
  /** The peer's key; default "serial:<path>". */
  clientAddress?: string;
  maxPayload: number;
  interByteTimeoutMs?: number;
}

const TROUBLE_KEYS = ['droppedBytes', 'zeroLengths', 'badHeaders', 'gapResets'] as const;

export function createRawLine(context: LineContext, options: RawLineOptions): LineProtocol {
  const peer = new RawLinePeer(options.clientAddress ?? `serial:${context.path}`, context.transport);
  const decoder = new RawDecoder({
    maxPacket: Math.min(options.maxPayload + ENCAPSULATION_HEADROOM, 0xffff),
    ...(options.interByteTimeoutMs === undefined ? {} : { interByteTimeoutMs: options.interByteTimeoutMs }),
  });
  const trouble = new FramingTroubleReporter(context, () => peer.key);

  const writePacket = (data: Buffer): void => {
    if (data.length > options.maxPayload) {
      context.counters.oversize++;
      context.logger.warn(
        `${context.name}: message of ${data.length} octets to ${peer.key} exceeds the line's ${options.maxPayload}; not sent`,
      );
      return;
    }
    const packet = encodeRawPacket(data);
    if (packet instanceof RawFramingError) {
      context.counters.refused++;
      context.logger.warn(`${context.name}: not sent to ${peer.key}: ${packet.message}`);
      return;
    }
    writeCounted(context, packet, peer.key);
  };

  return {
    mtu: options.maxPayload,
    onBytes(chunk, now) {
      const packets = decoder.push(chunk, now);
      const events = context.events();
      for (const packet of packets) {
        context.counters.datagramsIn++;
        events?.datagram(packet, peer);
      }
      trouble.check(decoder.counters, TROUBLE_KEYS, now);
    },
    send(data, to) {
      if (to !== peer && to.key !== peer.key) {
        context.counters.refused++;
        context.logger.warn(`${context.name}: cannot send to ${to.key}: not the client on this line`);
        return;
      }
      writePacket(data);
    },
    // A point-to-point line has one listener: ADVERTISE/GWINFO (§6.1) go to it.
    broadcast: writePacket,
    reset: () => decoder.reset(),
    framingCounters: () => ({ ...decoder.counters }),
  };
}
