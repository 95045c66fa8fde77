/**
 * The mqtt-packet decoder, shared by every connection. The connection frames packets itself and
 * only hands over complete ones, so one parser serves all: before each packet it is told the
 * connection's protocol version (mqtt-packet reads v5 fields only when told so). One parser per
 * connection would cost each idle connection a stream object and its buffers.
 */
import { parser as createParser, type Packet, writeToStream } from 'mqtt-packet';
import { ReasonCode } from '../broker/types.js';
import { MqttProtocolError, reasonForDecodeError } from './errors.js';

const shared = createParser();

// mqtt-packet pre-generates a Buffer for each of the 65,536 two-byte numbers on first use (about
// 6 MB of heap). Our hot paths encode PUBLISH and acks themselves, so the cache buys nothing.
writeToStream.cacheNumbers = false;

/** What mqtt-packet keeps between packets and reads the protocol version from. */
interface ParserInternals {
  settings: { protocolVersion?: number };
  _pos: number;
  _resetState(): void;
}

const internals = shared as unknown as ParserInternals;

/**
 * Back to a clean state after a failed packet. mqtt-packet's own reset leaves its read position
 * behind, which would shift the next packet's length (it reads the length at that position).
 */
function resetParser(): void {
  internals._resetState();
  internals._pos = 0;
}

const SETTINGS: Record<number, { protocolVersion: number }> = {
  0: { protocolVersion: 4 },
  3: { protocolVersion: 3 },
  4: { protocolVersion: 4 },
  5: { protocolVersion: 5 },
};

let decoded: Packet | undefined;
let failure: string | undefined;
let busy = false;
shared.on('packet', (packet: Packet) => {
  decoded = packet;
});
shared.on('error', (error: Error) => {
  failure ??= error.message;
});

/**
 * Decodes one complete packet (fixed header included) for a connection speaking
 * `protocolVersion` (0 before CONNECT). Throws MqttProtocolError on malformed input.
 */
export function decodePacket(frame: Buffer, protocolVersion: number): Packet {
  if (busy) throw new Error('decodePacket re-entered');
  busy = true;
  decoded = undefined;
  failure = undefined;
  try {
    internals.settings = SETTINGS[protocolVersion] ?? { protocolVersion: 4 };
    shared.parse(frame);
  } catch (error) {
    // A throw from inside mqtt-packet (not its 'error' event): still only this packet's problem.
    resetParser();
    throw new MqttProtocolError(
      ReasonCode.MalformedPacket,
      `undecodable packet: ${(error as Error).message}`,
    );
  } finally {
    busy = false;
  }
  if (failure !== undefined) {
    resetParser();
    throw new MqttProtocolError(reasonForDecodeError(failure), failure);
  }
  if (decoded === undefined) {
    resetParser();
    throw new MqttProtocolError(ReasonCode.MalformedPacket, 'incomplete packet');
  }
  const packet = decoded;
  decoded = undefined;
  return packet;
}
