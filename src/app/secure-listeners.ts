/**
 * The MQTT listeners beyond plain TCP (issue 7): TLS (`tls_listener`, 8883 by convention),
 * MQTT over WebSockets (`ws_listener`) and over secure WebSockets (`wss_listener`). Each
 * connection is handed to the one MQTT connection code (attachMqttConnection) as a Duplex
 * stream: the TLS socket itself, or createWebSocketStream(ws) for a WebSocket.
 *
 * Before any TLS handshake or HTTP upgrade, the raw TCP connection passes the ConnectionLimiter
 * (max_connections, max_connections_per_address, connection_rate), so a flood costs us no
 * handshake. Handshakes and upgrade requests have connect_timeout to finish (slow loris).
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { BrokerApi } from '../broker/types.js';
import type { GatewayConfig, ListenerSpec } from '../config/types.js';
import {
  attachMqttConnection,
  formatPeer,
  type MqttConnectionHandle,
  type MqttFrontEndOptions,
} from '../mqtt/listener.js';
import type { Logger } from '../observe/logger.js';
import { addressOf, ConnectionLimiter, describeRefusal } from '../security/limits.js';
import { certificateIdentity, tlsServerOptions } from '../security/tls.js';

export type SecureListenerKind = 'tls' | 'ws' | 'wss';

export interface SecureListener {
  readonly kind: SecureListenerKind;
  readonly port: number;
  /** Stops accepting, ends every connection (v5: DISCONNECT 0x8B) and resolves once closed. */
  close(): Promise<void>;
}

export interface SecureListenerDeps {
  /** Shared with the other listeners so the limits count every connection; made from config if absent. */
  limiter?: ConnectionLimiter;
}

/** WebSocket subprotocols of MQTT: 'mqtt' (3.1.1, 5.0) and 'mqttv3.1' (3.1). */
const MQTT_SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** `127.0.0.1:port` as mosquitto logs it (an IPv4 peer of a dual-stack socket without `::ffff:`). */
function peerName(socket: net.Socket): string {
  return formatPeer(socket.remoteAddress ?? 'unknown', socket.remotePort);
}

export function limiterFromConfig(config: GatewayConfig): ConnectionLimiter {
  return new ConnectionLimiter({
    maxConnections: config.maxConnections,
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    connectionRate: config.connectionRate,
  });
}

/**
 * A new TCP connection passes the limiter, or is destroyed at once with a log line naming the
 * peer and the limit. An admitted socket gives its slot back when it closes. Also what the plain
 * `listener`s use (startMqttListener's admit hook), so the limits count every connection.
 */
export function socketAdmission(
  limiter: ConnectionLimiter,
  logger: Logger,
  label: string,
): (socket: net.Socket) => boolean {
  // Without limits a connection needs no slot, no close listener and no cached peer address:
  // about 0.6 KB less per idle connection (the idle-connection benchmark's budget is 4 KB).
  if (limiter.unlimited) {
    return () => {
      limiter.countAdmitted();
      return true;
    };
  }
  return (socket) => {
    const verdict = limiter.admit(addressOf(socket.remoteAddress));
    if (!verdict.ok) {
      logger.warn(
        `${label}: connection from ${peerName(socket)} refused: ${describeRefusal(verdict.reason, limiter.options)}.`,
      );
      socket.destroy();
      return false;
    }
    socket.once('close', () => verdict.slot.release());
    return true;
  };
}

/** Applies socketAdmission to a server's raw connections; returns the open ones (for close()). */
function guardConnections(
  server: net.Server,
  limiter: ConnectionLimiter,
  logger: Logger,
  label: string,
): Set<net.Socket> {
  const open = new Set<net.Socket>();
  const admit = socketAdmission(limiter, logger, label);
  server.on('connection', (socket: net.Socket) => {
    if (!admit(socket)) return;
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return open;
}

/**
 * A failed or timed-out TLS handshake. With a tlsClientError listener Node leaves a timed-out
 * socket open, so it is destroyed here (else a slow loris would keep it).
 */
function handshakeFailed(logger: Logger, error: Error, socket: tls.TLSSocket): void {
  logger.warn(`TLS handshake with ${peerName(socket)} failed: ${error.message}`);
  socket.destroy();
}

/** The connection's own options: the verified certificate CN for the authenticate hook. */
function withIdentity(
  options: Partial<MqttFrontEndOptions>,
  identity: string | undefined,
): Partial<MqttFrontEndOptions> {
  return identity === undefined ? options : { ...options, certificateIdentity: identity };
}

interface Running {
  connections: Set<MqttConnectionHandle>;
  attach(stream: Duplex, peer: string, options: Partial<MqttFrontEndOptions>): void;
}

function running(broker: BrokerApi, logger: Logger): Running {
  const connections = new Set<MqttConnectionHandle>();
  const forget = (handle: MqttConnectionHandle): void => {
    connections.delete(handle);
  };
  return {
    connections,
    attach: (stream, peer, options) => {
      connections.add(attachMqttConnection(stream, broker, options, logger, peer, forget));
    },
  };
}

async function listen(server: net.Server, spec: ListenerSpec): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, spec.bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const info = server.address();
  return typeof info === 'object' && info !== null ? info.port : spec.port;
}

/** Time MQTT connections get to send their DISCONNECT before leftover sockets are destroyed. */
const CLOSE_GRACE_MS = 1000;

/**
 * Stops accepting and shuts every MQTT connection down; sockets still in a TLS handshake or an
 * HTTP upgrade (no MQTT connection yet) are destroyed after a short grace.
 */
function closer(
  server: net.Server,
  state: Running,
  rawSockets: Set<net.Socket>,
  extra?: () => void,
): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      const grace = setTimeout(() => {
        for (const socket of rawSockets) socket.destroy();
      }, CLOSE_GRACE_MS);
      server.close(() => {
        clearTimeout(grace);
        resolve();
      });
      extra?.();
      for (const handle of [...state.connections]) handle.shutdown();
    });
}

async function startTlsListener(
  spec: ListenerSpec,
  config: GatewayConfig,
  broker: BrokerApi,
  options: Partial<MqttFrontEndOptions>,
  logger: Logger,
  limiter: ConnectionLimiter,
): Promise<SecureListener> {
  const state = running(broker, logger);
  const server = tls.createServer({
    ...tlsServerOptions(config),
    handshakeTimeout: options.connectTimeoutMs || DEFAULT_HANDSHAKE_TIMEOUT_MS,
  });
  let port = spec.port;
  const rawSockets = guardConnections(server, limiter, logger, `TLS listener on port ${spec.port}`);
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    socket.setNoDelay(true);
    const peer = peerName(socket);
    const identity = certificateIdentity(socket);
    logger.info(
      `New TLS connection from ${peer} on port ${port} (${socket.getProtocol() ?? 'TLS'}${identity === undefined ? '' : `, certificate CN '${identity}'`}).`,
    );
    state.attach(socket, peer, withIdentity(options, identity));
  });
  server.on('tlsClientError', (error, socket) => handshakeFailed(logger, error, socket));
  server.on('error', (error) => logger.error(`TLS listener on port ${port}: ${error.message}`));
  port = await listen(server, spec);
  logger.info(`Opening TLS listen socket on port ${port}.`);
  return { kind: 'tls', port, close: closer(server, state, rawSockets) };
}

async function startWebSocketListener(
  kind: 'ws' | 'wss',
  spec: ListenerSpec,
  config: GatewayConfig,
  broker: BrokerApi,
  options: Partial<MqttFrontEndOptions>,
  logger: Logger,
  limiter: ConnectionLimiter,
): Promise<SecureListener> {
  const state = running(broker, logger);
  const timeout = options.connectTimeoutMs || DEFAULT_HANDSHAKE_TIMEOUT_MS;
  // Node checks request timeouts every connectionsCheckingInterval (30 s by default): check often
  // enough that connect_timeout holds for a request that never ends.
  const httpTimeouts = { connectionsCheckingInterval: Math.min(timeout, 1000) };
  const server =
    kind === 'wss'
      ? https.createServer({ ...tlsServerOptions(config), ...httpTimeouts, handshakeTimeout: timeout })
      : http.createServer(httpTimeouts);
  // The upgrade request must arrive within connect_timeout (slow loris on the HTTP layer).
  server.requestTimeout = timeout;
  server.headersTimeout = timeout;
  server.on('request', (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    res.end('MQTT over WebSockets: connect with a WebSocket client (subprotocol "mqtt").\n');
  });
  let port = spec.port;
  const label = `${kind === 'wss' ? 'Secure WebSocket' : 'WebSocket'} listener on port ${spec.port}`;
  const rawSockets = guardConnections(server, limiter, logger, label);
  const wss = new WebSocketServer({
    server,
    maxPayload: options.maxPacketSize,
    handleProtocols: (protocols) => MQTT_SUBPROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });
  wss.on('connection', (ws, request) => {
    const peer = peerName(request.socket);
    const identity = kind === 'wss' ? certificateIdentity(request.socket as tls.TLSSocket) : undefined;
    logger.info(
      `New ${kind === 'wss' ? 'secure ' : ''}WebSocket connection from ${peer} on port ${port} (subprotocol '${ws.protocol}'${identity === undefined ? '' : `, certificate CN '${identity}'`}).`,
    );
    const stream = createWebSocketStream(ws);
    // A protocol error on the WebSocket layer (bad frame, payload over maxPayload) ends the stream;
    // the MQTT connection sees the close, the reason is logged here.
    ws.on('error', (error) => logger.warn(`WebSocket ${peer}: ${error.message}`));
    stream.on('error', () => {});
    state.attach(stream, peer, withIdentity(options, identity));
  });
  wss.on('error', (error) => logger.error(`${label}: ${error.message}`));
  if (kind === 'wss') {
    server.on('tlsClientError', (error: Error, socket: tls.TLSSocket) =>
      handshakeFailed(logger, error, socket),
    );
  }
  server.on('error', (error) => logger.error(`${label}: ${error.message}`));
  port = await listen(server, spec);
  logger.info(`Opening ${kind === 'wss' ? 'secure ' : ''}websockets listen socket on port ${port}.`);
  return {
    kind,
    port,
    close: closer(server, state, rawSockets, () => {
      wss.close();
      server.closeAllConnections();
    }),
  };
}

/**
 * Every tls_listener, ws_listener and wss_listener of gateway.conf, onto one broker. If one
 * cannot start (port in use, unreadable certificate), those already started are closed and the
 * error is thrown.
 */
export async function startSecureListeners(
  config: GatewayConfig,
  broker: BrokerApi,
  frontEndOptions: Partial<MqttFrontEndOptions>,
  logger: Logger,
  deps: SecureListenerDeps = {},
): Promise<SecureListener[]> {
  const limiter = deps.limiter ?? limiterFromConfig(config);
  const started: SecureListener[] = [];
  try {
    for (const spec of config.tlsListeners) {
      started.push(await startTlsListener(spec, config, broker, frontEndOptions, logger, limiter));
    }
    for (const spec of config.wsListeners) {
      started.push(
        await startWebSocketListener('ws', spec, config, broker, frontEndOptions, logger, limiter),
      );
    }
    for (const spec of config.wssListeners) {
      started.push(
        await startWebSocketListener('wss', spec, config, broker, frontEndOptions, logger, limiter),
      );
    }
  } catch (error) {
    await Promise.all(started.map((l) => l.close()));
    throw error;
  }
  return started;
}
