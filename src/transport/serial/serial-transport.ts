/**
 * Serial transport: one device (a microcontroller on a UART, or a local XBee radio in API mode)
 * behind the DatagramTransport interface (DESIGN.md "Transports", principle 5). Any number of
 * these run beside the UDP listeners; a line that cannot be opened or disappears is logged and
 * reopened with backoff while everything else keeps running (issue 5).
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../observe/logger.js';
import type { DatagramEvents, DatagramTransport } from '../types.js';
import { DEFAULT_RAW_MAX_PACKET } from './framing/raw.js';
import type { LineContext, LineProtocol, SerialLineCounters } from './line.js';
import { createRawLine } from './raw-line.js';
import { type Backoff, type PortCounters, ReopeningSerialPort } from './reopening-port.js';
import { createXbeeLine, DEFAULT_XBEE_MAX_PAYLOAD } from './xbee-line.js';

export type SerialFraming = 'raw' | 'xbee-api1' | 'xbee-api2';

export interface SerialTransportOptions {
  /** Device path, e.g. /dev/ttyUSB0 (or a socat pty link). */
  path: string;
  baudRate: number;
  framing: SerialFraming;
  /** Raw line: the key of the one client on the line; default "serial:<path>". */
  clientAddress?: string;
  /** Largest message sent (and the transport's mtu): XBee default 60 (§7.4), raw default 1024. */
  maxPayload?: number;
  /** Raw line: a pause longer than this mid-packet discards it (default 200 ms). */
  interByteTimeoutMs?: number;
  /** Reopen delays: default 0.5 s doubling to 10 s. */
  backoff?: Backoff;
}

export type SerialCounters = SerialLineCounters & PortCounters & Readonly<Record<string, number>>;

export interface SerialTransport extends DatagramTransport {
  readonly isOpen: boolean;
  /** A snapshot: line, port and framing counters together. */
  readonly counters: SerialCounters;
}

/** A serial line configured in a way that cannot work (named in the message). */
export class SerialConfigError extends Error {
  override readonly name = 'SerialConfigError';
}

const FRAMINGS: readonly string[] = ['raw', 'xbee-api1', 'xbee-api2'];

function validate(options: SerialTransportOptions): void {
  const where = `serial ${options.path}`;
  if (!FRAMINGS.includes(options.framing)) {
    throw new SerialConfigError(`${where}: unknown framing "${options.framing}" (raw, xbee-api1, xbee-api2)`);
  }
  if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) {
    throw new SerialConfigError(`${where}: baud rate must be a positive integer, got ${options.baudRate}`);
  }
  const max = options.maxPayload;
  if (max !== undefined && (!Number.isInteger(max) || max < 2 || max > 0xffff)) {
    throw new SerialConfigError(`${where}: maxPayload must be an integer 2..65535, got ${max}`);
  }
}

export function createSerialTransport(options: SerialTransportOptions, logger: Logger): SerialTransport {
  validate(options);
  const name = `serial ${options.path} ${options.framing}`;
  const lineCounters: SerialLineCounters = {
    datagramsIn: 0,
    datagramsOut: 0,
    droppedWhileClosed: 0,
    droppedBacklog: 0,
    oversize: 0,
    refused: 0,
  };
  let events: DatagramEvents | undefined;
  let line: LineProtocol | undefined;

  const port = new ReopeningSerialPort({
    path: options.path,
    baudRate: options.baudRate,
    name,
    logger,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    onData: (chunk) => line?.onBytes(chunk, performance.now()),
    onOpen: () => line?.reset(),
  });

  const transport: SerialTransport = {
    name,
    get mtu() {
      return line?.mtu ?? 0;
    },
    get isOpen() {
      return port.isOpen;
    },
    get counters() {
      return { ...(line?.framingCounters() ?? {}), ...port.counters, ...lineCounters };
    },
    async start(handlers) {
      events = handlers;
      await port.start();
    },
    send: (data, to) => line?.send(data, to),
    broadcast: (data) => line?.broadcast(data),
    async close() {
      events = undefined;
      await port.close();
    },
  };

  const context: LineContext = {
    transport,
    name,
    path: options.path,
    logger,
    counters: lineCounters,
    events: () => events,
    write: (data) => port.write(data),
  };
  line = createLine(context, options);
  return transport;
}

function createLine(context: LineContext, options: SerialTransportOptions): LineProtocol {
  switch (options.framing) {
    case 'raw':
      return createRawLine(context, {
        maxPayload: options.maxPayload ?? DEFAULT_RAW_MAX_PACKET,
        ...(options.clientAddress === undefined ? {} : { clientAddress: options.clientAddress }),
        ...(options.interByteTimeoutMs === undefined
          ? {}
          : { interByteTimeoutMs: options.interByteTimeoutMs }),
      });
    case 'xbee-api1':
    case 'xbee-api2':
      return createXbeeLine(context, {
        mode: options.framing === 'xbee-api1' ? 1 : 2,
        maxPayload: options.maxPayload ?? DEFAULT_XBEE_MAX_PAYLOAD,
      });
  }
}
