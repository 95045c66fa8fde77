/**
 * One MQTT connection on any Duplex stream (TCP, TLS, WebSocket): framing, the write path,
 * supervision (CONNECT timeout, keep-alive), the ClientLink the core delivers through and the
 * LinkInfo that describes it to the core. Packet handling lives in dispatch.ts and handlers/;
 * this file only moves bytes and state.
 *
 * Idle connections are most of a broker's connections, so what one keeps is counted: no
 * closures or timers of its own, the listener's shared settings in one object, the peer's
 * address formatted only when a log line or the core asks for it.
 */

import net from 'node:net';
import type { Duplex } from 'node:stream';
import { generate, type Packet } from 'mqtt-packet';
import {
  type BrokerApi,
  type ClientLink,
  type Delivery,
  type LinkInfo,
  ReasonCode,
  type SessionHandle,
} from '../broker/types.js';
import type { Logger } from '../observe/logger.js';
import { dispatchFrame, failConnection } from './dispatch.js';
import { describeReason } from './errors.js';
import { PacketFramer } from './framer.js';
import { deliverPublish, deliverySize } from './handlers/deliver.js';
import type { MqttFrontEndOptions } from './options.js';
import { withReasonString } from './reason-string.js';
import { type Supervised, supervise, supervisionNow, unsupervise } from './supervision.js';
import type { InboundTopicAliases, OutboundTopicAliases } from './topic-alias.js';
import { traceAckSent, traceSent } from './trace.js';
import { encodeAck, PacketType } from './wire.js';

/** Explicit connection state (DESIGN.md principle 3), not a set of booleans. */
export type ConnectionState = 'awaiting-connect' | 'connected' | 'closed';

/** Flushes what a connection wrote during one event-loop turn in one writev. */
function uncorkConnection(conn: MqttConnection): void {
  conn.flushWrites();
}

/** Encoder options per protocol version, shared (mqtt-packet only reads them). */
const ENCODE_OPTIONS: Record<number, { protocolVersion: number }> = {
  3: { protocolVersion: 3 },
  4: { protocolVersion: 4 },
  5: { protocolVersion: 5 },
};

const EMPTY = Buffer.alloc(0);

/**
 * Socket listeners are module functions finding their connection through the socket, not
 * closures: an idle connection then costs no function objects of its own.
 */
const CONNECTION = Symbol('mqtt-connection');
type SocketWithConnection = Duplex & { [CONNECTION]?: MqttConnection };

function connectionOf(socket: Duplex): MqttConnection | undefined {
  return (socket as SocketWithConnection)[CONNECTION];
}
function onSocketData(this: Duplex, chunk: Buffer): void {
  connectionOf(this)?.onData(chunk);
}
function onSocketError(this: Duplex, error: Error): void {
  connectionOf(this)?.lost(`socket error: ${error.message}`);
}
function onSocketEnd(this: Duplex): void {
  connectionOf(this)?.lost('closed its connection');
}
function onSocketClose(this: Duplex): void {
  connectionOf(this)?.lost('closed its connection');
}

/** What every connection of one listener shares (one object per listener, not per connection). */
export interface ConnectionScope {
  readonly broker: BrokerApi;
  readonly options: MqttFrontEndOptions;
  readonly logger: Logger;
  /** Told once the connection has ended. */
  readonly onClosed: (conn: MqttConnection) => void;
}

/**
 * "host:port" for log lines, as mosquitto writes it: an IPv4 client of a dual-stack listener
 * (`::ffff:127.0.0.1`) is shown as plain IPv4, a real IPv6 address in brackets.
 */
export function formatPeer(address: string, port: number | undefined): string {
  const v4 = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  const host = v4.includes(':') ? `[${v4}]` : v4;
  return `${host}:${port ?? 0}`;
}

export function peerOf(socket: Duplex): string {
  if (!(socket instanceof net.Socket)) return 'stream';
  // A socket already closed no longer knows its address (read at accept when info lines are on).
  const address = socket.remoteAddress;
  return address === undefined ? 'unknown peer' : formatPeer(address, socket.remotePort);
}

/** State most connections never use (v5 topic aliases, QoS 2 in, a maximum packet size). */
class RareState {
  inboundAliases: InboundTopicAliases | undefined;
  outboundAliases: OutboundTopicAliases | undefined;
  inboundQos2: Set<number> | undefined;
  clientMaximumPacketSize = 0;
}

// Flags of MqttConnection.bits: three booleans in one field.
const DROPPING_QOS0 = 1;
const CORKED = 2;
const WRITTEN_THIS_TURN = 4;

/**
 * Every field below is paid by every idle client, and on this machine each byte kept per
 * connection costs three to four in resident memory (V8 grows its young generation with what
 * survives, see bench/README.md): rarely used state lives in `rare`, booleans in `bits`.
 */
export class MqttConnection extends PacketFramer implements ClientLink, LinkInfo, Supervised {
  state: ConnectionState = 'awaiting-connect';
  /** 3, 4 or 5 once the CONNECT's protocol level is known; 0 before. */
  protocolVersion = 0;
  /** Client id once known; used in every log line and in the `-v` trace. */
  clientId = '';
  session: SessionHandle | undefined;
  /** Session expiry from CONNECT; a v5 DISCONNECT may not raise it from 0 [MQTT-3.14.2-2]. */
  sessionExpiry = 0;
  /** Inbound QoS>0 PUBLISHes not yet completed, checked against our Receive Maximum. */
  inboundQuotaUsed = 0;
  /** The packet being dispatched, fixed header included: handlers re-check raw bytes in it. */
  frame: Buffer = EMPTY;
  frameHeaderLength = 0;
  /** LinkInfo: QoS>0 deliveries in flight at once (set from CONNECT). */
  receiveMaximum = 0;
  /** LinkInfo: the username the broker sees (set from CONNECT). */
  username: string | undefined;

  // Supervision (supervision.ts): CONNECT timeout first, then keep-alive.
  lastActivity = supervisionNow();
  supervisionMs = 0;
  supervisionSlot = -1;

  private bits = 0;
  private rare: RareState | undefined;
  /** Formatted on first use (most connections never appear in a log line). */
  private peerName: string | undefined;

  constructor(
    readonly socket: Duplex,
    private readonly scope: ConnectionScope,
    peer?: string,
  ) {
    super();
    this.peerName = peer;
    (socket as SocketWithConnection)[CONNECTION] = this;
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    // A net.Socket without half-open closes itself after 'end' ('close' follows); other streams
    // (a WebSocket stream) may stay half open, so their 'end' counts as the client leaving.
    if ((socket as { allowHalfOpen?: boolean }).allowHalfOpen !== false) socket.on('end', onSocketEnd);
    supervise(this, scope.options.connectTimeoutMs);
  }

  /** Options for mqtt-packet's generate (3.1.1 until the CONNECT says otherwise). */
  get encodeOptions(): { protocolVersion: number } {
    return ENCODE_OPTIONS[this.protocolVersion] ?? ENCODE_OPTIONS[4]!;
  }

  get inboundAliases(): InboundTopicAliases | undefined {
    return this.rare?.inboundAliases;
  }

  set inboundAliases(aliases: InboundTopicAliases | undefined) {
    if (aliases !== undefined || this.rare !== undefined) this.rareState().inboundAliases = aliases;
  }

  get outboundAliases(): OutboundTopicAliases | undefined {
    return this.rare?.outboundAliases;
  }

  set outboundAliases(aliases: OutboundTopicAliases | undefined) {
    if (aliases !== undefined || this.rare !== undefined) this.rareState().outboundAliases = aliases;
  }

  /** Inbound QoS 2 packet ids awaiting PUBREL (quota is released at PUBCOMP). */
  get inboundQos2(): Set<number> | undefined {
    return this.rare?.inboundQos2;
  }

  set inboundQos2(ids: Set<number> | undefined) {
    if (ids !== undefined || this.rare !== undefined) this.rareState().inboundQos2 = ids;
  }

  /** The client's v5 Maximum Packet Size (0 = none). */
  get clientMaximumPacketSize(): number {
    return this.rare?.clientMaximumPacketSize ?? 0;
  }

  set clientMaximumPacketSize(size: number) {
    if (size !== 0 || this.rare !== undefined) this.rareState().clientMaximumPacketSize = size;
  }

  /** QoS 0 deliveries are being dropped because the client does not read (logged once per episode). */
  get droppingQos0(): boolean {
    return (this.bits & DROPPING_QOS0) !== 0;
  }

  set droppingQos0(dropping: boolean) {
    this.bits = dropping ? this.bits | DROPPING_QOS0 : this.bits & ~DROPPING_QOS0;
  }

  private rareState(): RareState {
    this.rare ??= new RareState();
    return this.rare;
  }

  get broker(): BrokerApi {
    return this.scope.broker;
  }

  get options(): MqttFrontEndOptions {
    return this.scope.options;
  }

  get logger(): Logger {
    return this.scope.logger;
  }

  /** "host:port" of the client (or the name the listener gave), for log lines and the core. */
  get peer(): string {
    this.peerName ??= peerOf(this.socket);
    return this.peerName;
  }

  // ---- LinkInfo (what the core knows of this client) -----------------------------------------

  get protocol(): 'mqtt' {
    return 'mqtt';
  }

  get maximumPacketSize(): number | undefined {
    return this.clientMaximumPacketSize > 0 ? this.clientMaximumPacketSize : undefined;
  }

  deliverySize(delivery: Delivery): number {
    return deliverySize(this, delivery);
  }

  /** Info lines are written (checked before formatting one on a per-connection path). */
  get logsInfo(): boolean {
    return this.scope.logger.infoEnabled !== false;
  }

  /** Name for log lines: the client id once known, else the peer. */
  get label(): string {
    return this.clientId === '' ? `<unknown> (${this.peer})` : this.clientId;
  }

  // ---- input -------------------------------------------------------------------------------

  /** Sets the protocol level read from CONNECT: 3 (3.1), 4 (3.1.1) or 5. */
  setProtocolVersion(version: number): void {
    this.protocolVersion = version;
  }

  onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.broker.metrics.bytesReceived += chunk.length;
    // Any bytes from the client count as activity [MQTT-3.1.2-22]; the CONNECT timeout is not
    // extended by a CONNECT that trickles in.
    if (this.state === 'connected' && this.supervisionMs > 0) this.lastActivity = supervisionNow();
    this.frameChunk(chunk);
  }

  /** A method, not a field test, because handlers change the state behind TypeScript's back. */
  isClosed(): boolean {
    return this.state === 'closed';
  }

  protected expectsConnect(): boolean {
    return this.state === 'awaiting-connect';
  }

  protected maxInboundPacketSize(): number {
    return this.options.maxPacketSize;
  }

  protected processFrame(frame: Buffer, headerLength: number): void {
    this.frame = frame;
    this.frameHeaderLength = headerLength;
    dispatchFrame(this, frame, headerLength);
    // Do not keep the socket's read chunk alive through a reference to the last frame.
    this.frame = EMPTY;
  }

  // ---- output ------------------------------------------------------------------------------

  /**
   * Writes bytes. The first write of an event-loop turn goes straight out (a lone CONNACK or ack
   * pays no batching latency); later ones in the same turn are corked and leave in one writev.
   */
  writeBuffer(buf: Buffer): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.broker.metrics.bytesSent += buf.length;
    const bits = this.bits;
    if ((bits & WRITTEN_THIS_TURN) === 0) {
      this.bits = bits | WRITTEN_THIS_TURN;
      process.nextTick(uncorkConnection, this);
    } else if ((bits & CORKED) === 0) {
      this.bits = bits | CORKED;
      this.socket.cork();
    }
    this.socket.write(buf);
  }

  flushWrites(): void {
    const bits = this.bits;
    this.bits = bits & ~(WRITTEN_THIS_TURN | CORKED);
    if ((bits & CORKED) !== 0 && !this.socket.destroyed) this.socket.uncork();
  }

  /** Encodes with mqtt-packet (everything but the PUBLISH fast path) and writes. */
  send(packet: Packet): void {
    if (this.logger.debugEnabled) traceSent(this, packet);
    this.writeBuffer(generate(packet, this.encodeOptions));
  }

  /** PUBACK / PUBREC / PUBREL / PUBCOMP, encoded directly (they are on the hot path). */
  sendAck(type: number, packetId: number, reason: number): void {
    if (this.logger.debugEnabled) traceAckSent(this, type, packetId, reason);
    this.writeBuffer(encodeAck(type, packetId, reason, this.protocolVersion === 5));
  }

  // ---- ClientLink (called by the core) -----------------------------------------------------

  deliver(delivery: Delivery): void {
    if (this.state === 'connected') deliverPublish(this, delivery);
  }

  release(packetId: number): void {
    if (this.state === 'connected') this.sendAck(PacketType.PUBREL, packetId, 0);
  }

  /** The core closed this link (takeover, shutdown): it has already detached the session. */
  close(reason: ReasonCode): void {
    this.session = undefined;
    if (this.state === 'closed') return;
    if (this.logsInfo) {
      this.logger.info(`Client ${this.label} disconnected by the broker (${describeReason(reason)}).`);
    }
    if (this.protocolVersion === 5 && this.state === 'connected') {
      const text =
        reason === ReasonCode.SessionTakenOver
          ? 'session taken over by a new connection'
          : describeReason(reason);
      this.send(
        withReasonString({ cmd: 'disconnect', reasonCode: reason }, text, this.clientMaximumPacketSize),
      );
    }
    this.terminate(false);
  }

  /** Our listener is closing: v5 DISCONNECT 0x8B; the session is kept and its will is not sent. */
  shutdown(): void {
    if (this.state === 'closed') return;
    if (this.protocolVersion === 5 && this.state === 'connected') {
      const disconnect = { cmd: 'disconnect' as const, reasonCode: ReasonCode.ServerShuttingDown };
      this.send(withReasonString(disconnect, 'server shutting down', this.clientMaximumPacketSize));
    }
    this.terminate(false);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Starts keep-alive supervision at 1.5 × the keep-alive [MQTT-3.1.2-24]; 0 turns it off. */
  startKeepAlive(seconds: number): void {
    this.lastActivity = supervisionNow();
    supervise(this, seconds * 1500);
  }

  supervisionExpired(): void {
    if (this.state === 'awaiting-connect') {
      this.logger.warn(
        `Client ${this.label} sent no CONNECT within ${this.options.connectTimeoutMs} ms, closing.`,
      );
      this.terminate(true);
    } else if (this.state === 'connected') {
      // mosquitto 2.0.11 closes without a DISCONNECT (0x8D is a MAY in MQTT 5 §3.1.2.10).
      if (this.logsInfo) this.logger.info(`Client ${this.label} has exceeded timeout, disconnecting.`);
      this.terminate(true);
    }
  }

  /** A protocol violation: the dispatcher maps it to the answer and closes. */
  fail(error: unknown): void {
    failConnection(this, error);
  }

  /**
   * Ends the connection once: tells the session (publishing the will when the client was lost,
   * [MQTT-3.1.2-8]), flushes what is queued and closes the stream.
   */
  terminate(publishWill: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    unsupervise(this);
    this.dropPartial();
    const session = this.session;
    this.session = undefined;
    session?.disconnect({ publishWill });
    this.socket.end();
    // A peer that never reads would keep the socket half-open: do not wait on it for long.
    setTimeout(destroySocket, 2000, this.socket).unref();
    this.scope.onClosed(this);
  }

  /** The stream ended or failed without DISCONNECT: the client is lost, its will goes out. */
  lost(why: string): void {
    if (this.state === 'closed') return;
    if (this.logsInfo) this.logger.info(`Client ${this.label} ${why}.`);
    this.terminate(true);
  }
}

function destroySocket(socket: Duplex): void {
  if (!socket.destroyed) socket.destroy();
}
