/**
 * Serial throughput: MQTT-SN messages per second over one socat pty line, against the line's
 * theoretical capacity at 115200 baud for the same message size (issue 5: target ≥ 90 %).
 *
 * Honesty note: a socat pty pair does NOT enforce a baud rate — bytes cross it as fast as the
 * kernel copies them. So two things are measured:
 *   1. paced: a writer that emits octets at the line's rate (115200 baud, 8N1 = 10 bits per octet on
 *      the wire = 11 520 octets/s), as a UART would deliver them; the transport must decode every
 *      message as fast as the line carries them. The ratio is delivered msg/s ÷ capacity msg/s.
 *   2. unpaced: the pty as fast as it goes — how many times the line's capacity the receiving path
 *      (pty read + framing + transport) can absorb, i.e. the headroom.
 * Uplink only (device → gateway), QoS 0 PUBLISH messages of a given size.
 *
 * Run: npx tsc -p tsconfig.build.json; node dist/bench/serial-throughput.js [--seconds 4] [--sizes 20,60]
 */
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../src/observe/logger.js';
import { encodeXbeeFrame } from '../src/transport/serial/framing/xbee-api.js';
import { buildReceivePacket } from '../src/transport/serial/framing/xbee-frames.js';
import { createSerialTransport, type SerialFraming } from '../src/transport/serial/serial-transport.js';
import { createSocatPair, type FarEnd, openFarEnd } from '../test/helpers/socat.js';

const BAUD = 115200;
const BITS_PER_OCTET = 10; // start bit + 8 data bits + stop bit (8N1)
const OCTETS_PER_SECOND = BAUD / BITS_PER_OCTET;
const PACER_TICK_MS = 2;

interface Result {
  framing: SerialFraming;
  size: number;
  wireOctets: number;
  paced: boolean;
  sent: number;
  received: number;
  seconds: number;
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

/** A QoS 0 PUBLISH (MQTT-SN §5.4.12) of `size` octets in all; the payload carries a counter. */
function publish(size: number, n: number): Buffer {
  const packet = Buffer.alloc(size, 0x30);
  packet[0] = size;
  packet[1] = 0x0c;
  packet[2] = 0x00; // flags: QoS 0, normal topic id
  packet.writeUInt16BE(1, 3);
  packet.writeUInt16BE(0, 5);
  if (size >= 11) packet.writeUInt32BE(n, 7);
  return packet;
}

/** What goes on the wire for message n in this framing. */
function onTheWire(framing: SerialFraming, size: number, n: number): Buffer {
  const message = publish(size, n);
  if (framing === 'raw') return message;
  const src64 = Buffer.from('0013a20040a1b2c3', 'hex');
  return encodeXbeeFrame(buildReceivePacket(src64, 0x1234, message), framing === 'xbee-api1' ? 1 : 2);
}

/** Writes `stream` at the line rate: after t seconds, no more than t × 11 520 octets. */
async function writePaced(far: FarEnd, stream: Buffer, deadline: number): Promise<void> {
  const start = performance.now();
  let sent = 0;
  while (sent < stream.length && performance.now() < deadline) {
    const due = Math.min(stream.length, Math.floor(((performance.now() - start) / 1000) * OCTETS_PER_SECOND));
    if (due > sent) {
      far.port.write(stream.subarray(sent, due));
      sent = due;
    }
    await new Promise((resolve) => setTimeout(resolve, PACER_TICK_MS));
  }
  await new Promise<void>((resolve) => far.port.drain(() => resolve()));
}

async function writeUnpaced(far: FarEnd, stream: Buffer): Promise<void> {
  const chunk = 4096;
  for (let i = 0; i < stream.length; i += chunk) {
    if (!far.port.write(stream.subarray(i, i + chunk))) {
      await new Promise<void>((resolve) => far.port.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve) => far.port.drain(() => resolve()));
}

async function measure(
  framing: SerialFraming,
  size: number,
  paced: boolean,
  seconds: number,
): Promise<Result> {
  const pair = await createSocatPair();
  const transport = createSerialTransport(
    { path: pair.a, baudRate: BAUD, framing, maxPayload: 255 },
    silentLogger,
  );
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  await transport.start({
    datagram() {
      const now = performance.now();
      if (received === 0) firstAt = now;
      lastAt = now;
      received++;
    },
  });
  const far = await openFarEnd(pair.b, BAUD);
  try {
    const wireOctets = onTheWire(framing, size, 0x01020304).length;
    const capacity = OCTETS_PER_SECOND / wireOctets;
    // Paced: as many messages as the line carries in `seconds`; unpaced: 50× that.
    const count = Math.ceil(capacity * seconds * (paced ? 1 : 50));
    const stream = Buffer.concat(Array.from({ length: count }, (_, n) => onTheWire(framing, size, n)));
    const deadline = performance.now() + seconds * 1000 * 1.5;
    if (paced) await writePaced(far, stream, deadline);
    else await writeUnpaced(far, stream);
    const settle = performance.now() + 2000;
    while (received < count && performance.now() < settle) await new Promise((r) => setTimeout(r, 5));
    // The first message's time is when its last octet arrived: count intervals, not messages.
    const elapsed = (lastAt - firstAt) / 1000;
    return {
      framing,
      size,
      wireOctets,
      paced,
      sent: count,
      received,
      seconds: elapsed * (count / (count - 1)),
    };
  } finally {
    await far.close();
    await transport.close();
    await pair.dispose();
  }
}

function row(r: Result): string {
  const capacity = OCTETS_PER_SECOND / r.wireOctets;
  const rate = r.received / r.seconds;
  const cells = [
    r.framing.padEnd(9),
    String(r.size).padStart(4),
    String(r.wireOctets).padStart(6),
    capacity.toFixed(1).padStart(10),
    rate.toFixed(1).padStart(10),
    r.paced
      ? `${((rate / capacity) * 100).toFixed(1)} %`.padStart(8)
      : `${(rate / capacity).toFixed(1)}×`.padStart(8),
    String(r.sent - r.received).padStart(5),
  ];
  return cells.join('  ');
}

async function main(): Promise<void> {
  const seconds = Number(option('seconds', '4'));
  const sizes = option('sizes', '20,60').split(',').map(Number);
  const framings: SerialFraming[] = ['raw', 'xbee-api2'];
  const header = 'framing    msg  octets  capacity/s  measured/s     ratio   lost';
  console.log(
    `serial throughput over one socat pty line, ${BAUD} baud 8N1 (${BITS_PER_OCTET} bits per octet)`,
  );
  console.log(
    'note: socat ptys do not enforce the baud rate. "paced" rows use a writer that emits octets at',
  );
  console.log(
    `      ${OCTETS_PER_SECOND} octets/s (the line's rate); "unpaced" rows show the receive path's headroom.`,
  );
  console.log(
    '      octets = on the wire per message (XBee: 0x90 frame with escaping); lost = sent − delivered.',
  );
  console.log('\npaced at the line rate (ratio = delivered msg/s ÷ line capacity msg/s)');
  console.log(header);
  for (const framing of framings)
    for (const size of sizes) console.log(row(await measure(framing, size, true, seconds)));
  console.log('\nunpaced (pty as fast as the kernel copies; ratio = multiple of the line capacity)');
  console.log(header);
  for (const framing of framings)
    for (const size of sizes) console.log(row(await measure(framing, size, false, seconds)));
}

main().catch((error: unknown) => {
  console.error(`serial-throughput: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
