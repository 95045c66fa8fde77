/**
 * Limits against connection abuse, shared by every MQTT listener (TCP, TLS, WS, WSS):
 * - max_connections: simultaneous connections overall (-1 = unlimited);
 * - max_connections_per_address: simultaneous connections from one IP address (-1 = unlimited);
 * - connection_rate: new connections per second from one IP address (0 = unlimited), a token
 *   bucket per address holding one second's worth, so a client may burst up to the rate at once.
 * The bucket map is bounded (least recently used address forgotten first): a flood from many
 * addresses cannot grow memory; a forgotten address merely starts again with a full bucket.
 * Each refusal is counted (`counters`), for $SYS and logs.
 */

export interface ConnectionLimitOptions {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Connections per second per address; 0 = unlimited. */
  connectionRate: number;
  /** Addresses whose rate bucket is remembered at once. */
  maxTrackedAddresses?: number;
  /** Clock in milliseconds (tests drive it). */
  now?: () => number;
}

export type LimitRefusal = 'max-connections' | 'max-connections-per-address' | 'connection-rate';

export interface LimitCounters {
  accepted: number;
  refusedMaxConnections: number;
  refusedPerAddress: number;
  refusedRate: number;
}

/** What an accepted connection holds; release() once when it closes (extra calls are ignored). */
export interface ConnectionSlot {
  release(): void;
}

export type AdmitResult = { ok: true; slot: ConnectionSlot } | { ok: false; reason: LimitRefusal };

interface Bucket {
  tokens: number;
  at: number;
}

const DEFAULT_TRACKED_ADDRESSES = 10_000;

export class ConnectionLimiter {
  readonly counters: LimitCounters = {
    accepted: 0,
    refusedMaxConnections: 0,
    refusedPerAddress: 0,
    refusedRate: 0,
  };
  private open = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly maxTracked: number;

  constructor(readonly options: ConnectionLimitOptions) {
    this.now = options.now ?? Date.now;
    this.maxTracked = options.maxTrackedAddresses ?? DEFAULT_TRACKED_ADDRESSES;
  }

  /** True when no limit is set: admission then only counts (no per-socket state at all). */
  get unlimited(): boolean {
    const o = this.options;
    return o.maxConnections <= 0 && o.maxConnectionsPerAddress <= 0 && o.connectionRate <= 0;
  }

  /** Counts a connection admitted without any limit to check (see `unlimited`). */
  countAdmitted(): void {
    this.counters.accepted++;
  }

  /** Connections currently held. */
  get openConnections(): number {
    return this.open;
  }

  connectionsFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  /** A new connection from `address` (IP, without port). */
  admit(address: string): AdmitResult {
    const o = this.options;
    // The rate is checked first: a refused flood must also spend its tokens, or it could retry at once.
    if (o.connectionRate > 0 && !this.takeToken(address)) {
      this.counters.refusedRate++;
      return { ok: false, reason: 'connection-rate' };
    }
    if (o.maxConnections > 0 && this.open >= o.maxConnections) {
      this.counters.refusedMaxConnections++;
      return { ok: false, reason: 'max-connections' };
    }
    const fromAddress = this.connectionsFrom(address);
    if (o.maxConnectionsPerAddress > 0 && fromAddress >= o.maxConnectionsPerAddress) {
      this.counters.refusedPerAddress++;
      return { ok: false, reason: 'max-connections-per-address' };
    }
    this.open++;
    this.perAddress.set(address, fromAddress + 1);
    this.counters.accepted++;
    let released = false;
    return {
      ok: true,
      slot: {
        release: () => {
          if (released) return;
          released = true;
          this.open--;
          const left = this.connectionsFrom(address) - 1;
          if (left > 0) this.perAddress.set(address, left);
          else this.perAddress.delete(address);
        },
      },
    };
  }

  private takeToken(address: string): boolean {
    const rate = this.options.connectionRate;
    const now = this.now();
    const bucket = this.buckets.get(address) ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    // Re-insert so Map order is least recently used first.
    this.buckets.delete(address);
    this.buckets.set(address, bucket);
    if (this.buckets.size > this.maxTracked) {
      const oldest = this.buckets.keys().next();
      if (oldest.done !== true) this.buckets.delete(oldest.value);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Rate buckets remembered (bounded by maxTrackedAddresses). */
  get trackedAddresses(): number {
    return this.buckets.size;
  }
}

/** The IP part of a Node remote address, IPv4-mapped IPv6 folded to IPv4 (`::ffff:1.2.3.4`). */
export function addressOf(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.')
    ? remoteAddress.slice('::ffff:'.length)
    : remoteAddress;
}

/** Which limit refused, in words for the log line. */
export function describeRefusal(reason: LimitRefusal, options: ConnectionLimitOptions): string {
  switch (reason) {
    case 'max-connections':
      return `max_connections (${options.maxConnections}) reached`;
    case 'max-connections-per-address':
      return `max_connections_per_address (${options.maxConnectionsPerAddress}) reached`;
    case 'connection-rate':
      return `connection_rate (${options.connectionRate}/s) exceeded`;
  }
}
