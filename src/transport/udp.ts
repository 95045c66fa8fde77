/**
 * UDP transport (v4 and v6) on node:dgram: one socket, every datagram handed up with its sender's
 * PeerAddress, replies sent back to it (DESIGN.md "Transports", principle 5).
 *
 * Hot path: a sensor that sends 1000 messages gets the same PeerAddress object 1000 times — peers
 * are cached per address and port, looked up without building a key string per datagram.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { type Logger, silentLogger } from '../observe/logger.js';
import type { DatagramEvents, DatagramTransport, PeerAddress } from './types.js';

/** Largest UDP payload over IPv4 (65535 − 20 IP − 8 UDP). */
const UDP_MAX_PAYLOAD = 65507;
/**
 * Kept free below the UDP maximum so that a message can still be wrapped in a forwarder
 * encapsulation (MQTT-SN §5.5: 1-octet Length, MsgType, Ctrl, Wireless Node Id up to 252 octets).
 */
const UDP_HEADROOM = 256;
/** Socket buffers large enough to ride out bursts from thousands of sensors (best effort). */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
/** Bound on cached peers; beyond it the oldest addresses are forgotten (their keys stay valid). */
const DEFAULT_MAX_PEERS = 100_000;

export interface UdpTransportOptions {
  /** Port to bind; 0 lets the OS choose (read it back from `transport.port` after start). */
  port: number;
  /** Address to bind, e.g. "0.0.0.0", "127.0.0.1", "::", "::1". */
  host: string;
  /** Use a udp6 socket (implied when `host` is an IPv6 address). */
  ipv6?: boolean;
  /**
   * Where `broadcast()` sends (ADVERTISE, GWINFO; MQTT-SN §6.1): an IPv4 broadcast address
   * (e.g. "255.255.255.255") or a multicast group (v4 "225.1.1.1", v6 "ff02::1"); a multicast group
   * is also joined so that clients' SEARCHGW reach us. Without it, broadcast() does nothing.
   */
  broadcastAddress?: string;
  /** Port that broadcasts go to; defaults to the bound port. */
  broadcastPort?: number;
  /** Bound on cached PeerAddress objects (default 100 000). */
  maxPeers?: number;
}

export interface UdpCounters {
  datagramsIn: number;
  datagramsOut: number;
  sendErrors: number;
  socketErrors: number;
}

export interface UdpTransport extends DatagramTransport {
  /** The bound port (the OS's choice when 0 was asked for); 0 before start. */
  readonly port: number;
  readonly counters: Readonly<UdpCounters>;
}

/** A UDP sender: its key is "udp:ip:port" or "udp6:[ip]:port". */
export class UdpPeer implements PeerAddress {
  readonly key: string;
  /** Created once per peer so that a send does not allocate a closure. */
  readonly onSent: (error: Error | null) => void;

  constructor(
    readonly transport: DatagramTransport,
    readonly address: string,
    readonly port: number,
    ipv6: boolean,
    reportSendError: (peer: UdpPeer, error: Error) => void,
  ) {
    this.key = ipv6 ? `udp6:[${address}]:${port}` : `udp:${address}:${port}`;
    this.onSent = (error) => {
      if (error) reportSendError(this, error);
    };
  }
}

/** Peers by address, then by port: no string is built to find a known peer. */
class PeerCache {
  private readonly byAddress = new Map<string, Map<number, UdpPeer>>();
  private size = 0;

  constructor(
    private readonly maxPeers: number,
    private readonly create: (address: string, port: number) => UdpPeer,
  ) {}

  get(address: string, port: number): UdpPeer {
    let ports = this.byAddress.get(address);
    const known = ports?.get(port);
    if (known) return known;
    if (this.size >= this.maxPeers) this.evictOldestAddress();
    if (!ports) {
      ports = new Map();
      this.byAddress.set(address, ports);
    }
    const peer = this.create(address, port);
    ports.set(port, peer);
    this.size++;
    return peer;
  }

  private evictOldestAddress(): void {
    const oldest = this.byAddress.entries().next();
    if (oldest.done) return;
    const [address, ports] = oldest.value;
    this.size -= ports.size;
    this.byAddress.delete(address);
  }
}

function isMulticast(address: string): boolean {
  if (isIPv6(address)) return address.toLowerCase().startsWith('ff');
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}

export function createUdpTransport(
  options: UdpTransportOptions,
  logger: Logger = silentLogger,
): UdpTransport {
  const ipv6 = options.ipv6 ?? isIPv6(options.host);
  const scheme = ipv6 ? 'udp6' : 'udp';
  const counters: UdpCounters = { datagramsIn: 0, datagramsOut: 0, sendErrors: 0, socketErrors: 0 };
  let socket: dgram.Socket | undefined;
  let boundPort = 0;
  let events: DatagramEvents | undefined;

  const reportSendError = (peer: UdpPeer, error: Error): void => {
    counters.sendErrors++;
    logger.warn(`${transport.name}: send to ${peer.key} failed: ${error.message}`);
  };

  const transport: UdpTransport = {
    get name() {
      const host = ipv6 ? `[${options.host}]` : options.host;
      return `${scheme} ${host}:${boundPort || options.port}`;
    },
    mtu: UDP_MAX_PAYLOAD - UDP_HEADROOM,
    get port() {
      return boundPort;
    },
    counters,
    start: (handlers) => {
      events = handlers;
      return new Promise<void>((resolve, reject) => {
        const s = dgram.createSocket({
          type: ipv6 ? 'udp6' : 'udp4',
          reuseAddr: false,
          ipv6Only: ipv6,
          recvBufferSize: SOCKET_BUFFER_BYTES,
          sendBufferSize: SOCKET_BUFFER_BYTES,
        });
        const onBindError = (error: Error): void => {
          s.close();
          reject(new Error(`${scheme}: cannot bind ${options.host}:${options.port}: ${error.message}`));
        };
        s.once('error', onBindError);
        s.bind(options.port, options.host, () => {
          s.off('error', onBindError);
          s.on('error', (error) => {
            // A socket-level error (e.g. ICMP unreachable surfacing on Linux) must never crash us.
            counters.socketErrors++;
            logger.warn(`${transport.name}: socket error: ${error.message}`);
          });
          boundPort = s.address().port;
          socket = s;
          configureSocket(s);
          s.on('message', onMessage);
          logger.info(`${transport.name}: listening`);
          resolve();
        });
      });
    },
    send: (data, to) => {
      if (!(to instanceof UdpPeer) || to.transport !== transport) {
        counters.sendErrors++;
        logger.warn(`${transport.name}: cannot send to ${to.key}: not a peer of this transport`);
        return;
      }
      if (!socket) {
        counters.sendErrors++;
        logger.debug(`${transport.name}: not started, dropped a datagram for ${to.key}`);
        return;
      }
      counters.datagramsOut++;
      socket.send(data, to.port, to.address, to.onSent);
    },
    broadcast: (data) => {
      const address = options.broadcastAddress;
      if (!socket || address === undefined) return;
      const port = options.broadcastPort ?? boundPort;
      counters.datagramsOut++;
      socket.send(data, port, address, (error) => {
        if (!error) return;
        counters.sendErrors++;
        logger.warn(`${transport.name}: broadcast to ${address}:${port} failed: ${error.message}`);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        const s = socket;
        socket = undefined;
        events = undefined;
        if (!s) {
          resolve();
          return;
        }
        s.close(() => resolve());
      }),
  };

  const peers = new PeerCache(
    options.maxPeers ?? DEFAULT_MAX_PEERS,
    (address, port) => new UdpPeer(transport, address, port, ipv6, reportSendError),
  );

  const onMessage = (data: Buffer, rinfo: dgram.RemoteInfo): void => {
    counters.datagramsIn++;
    events?.datagram(data, peers.get(rinfo.address, rinfo.port));
  };

  const configureSocket = (s: dgram.Socket): void => {
    trySocketOption('recvBufferSize', () => s.setRecvBufferSize(SOCKET_BUFFER_BYTES));
    trySocketOption('sendBufferSize', () => s.setSendBufferSize(SOCKET_BUFFER_BYTES));
    const address = options.broadcastAddress;
    if (address === undefined) return;
    if (isMulticast(address)) {
      trySocketOption(`multicast membership ${address}`, () => s.addMembership(address));
    } else if (!ipv6) {
      trySocketOption('broadcast', () => s.setBroadcast(true));
    }
  };

  const trySocketOption = (what: string, apply: () => void): void => {
    try {
      apply();
    } catch (error) {
      logger.warn(`${transport.name}: could not set ${what}: ${(error as Error).message}`);
    }
  };

  return transport;
}
