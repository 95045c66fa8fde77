/**
 * Sensors on UDP, one socket each. The gateway keys MQTT-SN clients by their address and port, so
 * every sensor needs its own (address, port): sockets are spread round-robin over the given source
 * addresses (127.0.0.2, 127.0.0.3 … bind fine on Linux loopback) with ports from the OS.
 * For more sensors than sockets are wanted, use the forwarder network (one socket, §5.5).
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import {
  emptyNetworkCounters,
  type LossModel,
  type Network,
  type Origin,
  type Receive,
  type SensorLink,
} from './types.js';

/** Leave room below the UDP maximum, like the gateway does. */
const UDP_MTU = 65_507 - 256;

export interface UdpEndpoint {
  host: string;
  port: number;
}

export interface UdpNetworkOptions {
  gateway: UdpEndpoint;
  /** Local addresses to bind, round-robin; default: the unspecified address. */
  sourceAddresses: readonly string[];
  loss: LossModel;
  onError(message: string): void;
}

export function parseHostPort(text: string): UdpEndpoint {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text.trim());
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match?.[1] || !(port > 0 && port < 65536)) {
    throw new RangeError(`expected host:port (e.g. 127.0.0.1:1884), got '${text}'`);
  }
  return { host: match[1], port };
}

/** "127.0.0.2-127.0.0.9" or "127.0.0.2,127.0.0.3" or a count N (127.0.0.2 … 127.0.0.N+1). */
export function parseSourceAddresses(text: string): string[] {
  if (/^\d+$/.test(text)) {
    const count = Number(text);
    if (count < 1 || count > 65_000) throw new RangeError(`--source-addresses: 1..65000, got ${count}`);
    return Array.from({ length: count }, (_, i) => loopbackAddress(i + 2));
  }
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

function loopbackAddress(n: number): string {
  return `127.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`;
}

export function createUdpNetwork(options: UdpNetworkOptions): Network {
  const counters = emptyNetworkCounters();
  const sockets = new Set<dgram.Socket>();
  const family = isIPv6(options.gateway.host) ? 'udp6' : 'udp4';
  const { loss } = options;
  const sending = new PendingSends();

  const attach = async (index: number, receive: Receive): Promise<SensorLink> => {
    const socket = dgram.createSocket({ type: family });
    sockets.add(socket);
    const address = options.sourceAddresses[index % Math.max(1, options.sourceAddresses.length)];
    let gateway: UdpEndpoint = options.gateway;
    socket.on('message', (data, rinfo) => {
      counters.datagramsIn++;
      counters.octetsIn += data.length;
      if (loss.dropDownlink(index)) {
        counters.droppedByLoss++;
        return;
      }
      receive(data, { host: rinfo.address, port: rinfo.port });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: 0, address }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // Registered after bind, so that a failed bind is reported once, by the caller.
    socket.on('error', (error) => {
      counters.sendErrors++;
      options.onError(`udp sensor #${index}: ${error.message}`);
    });
    const transmit = (data: Buffer, to: UdpEndpoint): void => {
      counters.datagramsOut++;
      counters.octetsOut += data.length;
      if (loss.dropUplink(index)) {
        counters.droppedByLoss++;
        return;
      }
      sending.started();
      socket.send(data, to.port, to.host, (error) => {
        sending.finished();
        if (error) {
          counters.sendErrors++;
          options.onError(`udp sensor #${index}: send to ${to.host}:${to.port} failed: ${error.message}`);
        }
      });
    };
    return {
      mtu: UDP_MTU,
      send: (data) => transmit(data, gateway),
      broadcast: (data) => {
        // Discovery goes to the configured address, which may be a broadcast address.
        try {
          socket.setBroadcast(true);
        } catch {
          // Not every socket/family supports it; a unicast search still works.
        }
        transmit(data, options.gateway);
      },
      adoptGateway: (origin: Origin) => {
        if (origin) gateway = { host: origin.host, port: origin.port };
      },
    };
  };

  return {
    name: `udp ${options.gateway.host}:${options.gateway.port}`,
    counters,
    attach,
    close: async () => {
      await sending.drained();
      await Promise.all([...sockets].map((socket) => closeQuietly(socket)));
      sockets.clear();
    },
  };
}

/** Closes a socket, ignoring one that is already closed. */
export function closeQuietly(socket: dgram.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/** Counts sends not yet handed to the kernel, so that closing does not cut off the last datagrams. */
export class PendingSends {
  private count = 0;
  private waiters: Array<() => void> = [];

  started(): void {
    this.count++;
  }

  finished(): void {
    this.count--;
    if (this.count === 0) for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves when every send has completed, or after `timeoutMs`. */
  drained(timeoutMs = 1000): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
