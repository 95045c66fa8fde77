/**
 * MQTT listeners. startMqttListener serves plain TCP; attachMqttConnection runs the same
 * connection code on any Duplex stream, so TLS and WebSocket listeners only have to hand over
 * their streams.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { BrokerApi } from '../broker/types.js';
import type { Logger } from '../observe/logger.js';
import { type ConnectionScope, MqttConnection } from './connection.js';
import { defaultMqttFrontEndOptions, type MqttFrontEndOptions } from './options.js';

export type { MqttAuthenticationRequest, MqttAuthenticationResult, MqttFrontEndOptions } from './options.js';
export { defaultMqttFrontEndOptions } from './options.js';

export interface MqttListener {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Stops accepting, ends every connection (v5: DISCONNECT 0x8B) and resolves once closed. */
  close(): Promise<void>;
}

export interface MqttConnectionHandle {
  readonly peer: string;
  /** Ends the connection as a server shutdown: v5 DISCONNECT 0x8B, will kept unpublished. */
  shutdown(): void;
}

export { formatPeer } from './connection.js';

/**
 * Runs one MQTT connection on `socket`. `peer` names it in logs (defaults to the remote address
 * of a net.Socket); `onClosed` is told once the connection has ended.
 */
export function attachMqttConnection(
  socket: Duplex,
  broker: BrokerApi,
  options: Partial<MqttFrontEndOptions>,
  logger: Logger,
  peer?: string,
  onClosed: (handle: MqttConnectionHandle) => void = ignore,
): MqttConnectionHandle {
  const scope: ConnectionScope = { broker, options: withDefaults(options), logger, onClosed };
  return new MqttConnection(socket, scope, peer);
}

function ignore(): void {}

function withDefaults(options: Partial<MqttFrontEndOptions>): MqttFrontEndOptions {
  return { ...defaultMqttFrontEndOptions, ...options };
}

export async function startMqttListener(
  address: { port: number; host?: string },
  broker: BrokerApi,
  options: Partial<MqttFrontEndOptions>,
  logger: Logger,
  /**
   * Connection limits (security issue): called first for every accepted socket; false = refused,
   * the hook has already logged and destroyed it. Additive; absent = every socket accepted.
   */
  admitSocket?: (socket: net.Socket) => boolean,
): Promise<MqttListener> {
  const connections = new Set<MqttConnectionHandle>();
  const scope: ConnectionScope = {
    broker,
    options: withDefaults(options),
    logger,
    onClosed: (conn) => connections.delete(conn),
  };
  // Whether info lines are written is fixed for the logger's life: decided once, not per socket.
  const logsInfo = logger.infoEnabled !== false;
  // noDelay: Node sets TCP_NODELAY on every accepted socket itself.
  const server = net.createServer({ noDelay: true }, (socket) => {
    if (admitSocket !== undefined && !admitSocket(socket)) return;
    const conn = new MqttConnection(socket, scope);
    connections.add(conn);
    // The peer is read here (while the socket knows it) only when the line is written.
    if (logsInfo) logger.info(`New connection from ${conn.peer} on port ${bound}.`);
  });
  let bound = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addressInfo = server.address();
  bound = typeof addressInfo === 'object' && addressInfo !== null ? addressInfo.port : address.port;
  server.on('error', (error) => logger.error(`MQTT listener on port ${bound}: ${error.message}`));
  logger.info(`Opening ${net.isIPv6(address.host ?? '') ? 'ipv6' : 'ipv4'} listen socket on port ${bound}.`);
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const handle of [...connections]) handle.shutdown();
      }),
  };
}
