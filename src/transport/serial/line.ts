/**
 * What a framing needs from the serial transport around it, and what it offers: the seam between
 * the port (reopening-port.ts) and a line protocol (raw-line.ts, xbee-line.ts).
 */
import type { Logger } from '../../observe/logger.js';
import type { DatagramEvents, DatagramTransport, PeerAddress } from '../types.js';
import type { WriteResult } from './reopening-port.js';

export interface SerialLineCounters {
  datagramsIn: number;
  datagramsOut: number;
  /** Sends while the device was closed (unplugged, not yet reopened). */
  droppedWhileClosed: number;
  /** Sends dropped because the device was not draining its write queue. */
  droppedBacklog: number;
  /** Messages over the line's payload limit, not sent. */
  oversize: number;
  /** Sends refused: not a peer of this line, or not a well-formed MQTT-SN packet. */
  refused: number;
}

export interface LineContext {
  readonly transport: DatagramTransport;
  readonly name: string;
  readonly path: string;
  readonly logger: Logger;
  readonly counters: SerialLineCounters;
  events(): DatagramEvents | undefined;
  write(data: Buffer): WriteResult;
}

export interface LineProtocol {
  readonly mtu: number;
  onBytes(chunk: Buffer, now: number): void;
  send(data: Buffer, to: PeerAddress): void;
  broadcast(data: Buffer): void;
  /** The device was (re)opened: whatever was half-read belongs to a line that is gone. */
  reset(): void;
  /** Framing counters (bad checksums, dropped octets …) for the transport's counters. */
  framingCounters(): Readonly<Record<string, number>>;
}

/** Writes and counts; a send while the device is away is dropped (the gateway retries, §6.13). */
export function writeCounted(context: LineContext, bytes: Buffer, to: string): void {
  const result = context.write(bytes);
  if (result === 'written') {
    context.counters.datagramsOut++;
  } else if (result === 'closed') {
    context.counters.droppedWhileClosed++;
    if (context.logger.debugEnabled)
      context.logger.debug(`${context.name}: device closed, dropped a message to ${to}`);
  } else {
    context.counters.droppedBacklog++;
    context.logger.warn(`${context.name}: device not draining, dropped a message to ${to}`);
  }
}

/** Logs framing trouble at most once a second per line, naming the line and what was dropped. */
export class FramingTroubleReporter {
  private lastTotals = new Map<string, number>();
  private lastLogAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly context: LineContext,
    private readonly peerName: () => string,
  ) {}

  check<K extends string>(counters: Readonly<Record<K, number>>, keys: readonly K[], now: number): void {
    if (now - this.lastLogAt < 1000) return;
    const changes: string[] = [];
    for (const key of keys) {
      const value = counters[key];
      const before = this.lastTotals.get(key) ?? 0;
      if (value !== before) changes.push(`${key} +${value - before}`);
      this.lastTotals.set(key, value);
    }
    if (changes.length === 0) return;
    this.lastLogAt = now;
    this.context.logger.warn(
      `${this.context.name}: bad input from ${this.peerName()}: ${changes.join(', ')}`,
    );
  }
}
