/**
 * A bare MQTT 3.1.1 client over a raw `net` socket: CONNECT/CONNACK and SUBSCRIBE/SUBACK handshakes,
 * then every incoming packet goes to a visitor the role installs. No codec, no per-message objects.
 */
import net from 'node:net';
import type { Qos01 } from './protocol.js';
import { connectPacket, FrameScanner, PacketType, type PacketVisitor, subscribePacket } from './wire.js';

export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
}

const ignore: PacketVisitor = () => {};

export class BenchClient {
  readonly scanner = new FrameScanner(ignore);
  /** Runs after each incoming chunk has been scanned (batch PUBACKs, top up a window). */
  afterChunk: () => void = () => {};
  /** Time of the chunk being scanned (ns), taken once per chunk rather than per packet. */
  chunkNs = 0;
  failed = false;
  /** Set after CONNACK: failures before that are the caller's rejected promise, not a log line. */
  private established = false;

  private constructor(readonly socket: net.Socket) {}

  static async connect(port: number, clientId: string, timeoutMs: number): Promise<BenchClient> {
    // TCP_NODELAY: the generator batches its own writes, so Nagle's algorithm would only add
    // delayed-ACK stalls to its round trips (PUBACKs, window top-ups) and make it the bottleneck.
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const client = new BenchClient(socket);
    socket.on('data', (chunk: Buffer) => {
      client.chunkNs = Number(process.hrtime.bigint());
      try {
        client.scanner.push(chunk);
      } catch (error) {
        client.fail(error);
        return;
      }
      client.afterChunk();
    });
    socket.on('error', (error) => client.fail(error));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(connectPacket(clientId));
    const connack = await client.nextPacket(PacketType.connack, timeoutMs);
    // CONNACK body: [flags, return code]; 0 = accepted [MQTT-3.2.2-3].
    if (connack[1] !== 0) {
      socket.destroy();
      throw new HandshakeError(`CONNACK for ${clientId} refused with return code ${connack[1]}`);
    }
    client.established = true;
    return client;
  }

  async subscribe(filter: string, qos: Qos01, timeoutMs: number): Promise<void> {
    this.socket.write(subscribePacket(filter, qos));
    const suback = await this.nextPacket(PacketType.suback, timeoutMs);
    // SUBACK body: [packet id (2), granted QoS]; 0x80 = failure [MQTT-3.9.3-2].
    if (suback[2] === 0x80 || suback[2] === undefined) {
      throw new HandshakeError(`SUBSCRIBE ${filter} refused`);
    }
  }

  /** Resolves with the body of the next packet of `type`; other packets before it are dropped. */
  nextPacket(type: number, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.scanner.visit = ignore;
        reject(new HandshakeError(`no packet of type ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onClose = (): void => {
        clearTimeout(timer);
        reject(new HandshakeError(`connection closed while waiting for packet type ${type}`));
      };
      this.socket.once('close', onClose);
      this.scanner.visit = (buf, firstByte, bodyStart, bodyEnd) => {
        if (firstByte >> 4 !== type) return;
        clearTimeout(timer);
        this.socket.off('close', onClose);
        this.scanner.visit = ignore;
        resolve(Buffer.from(buf.subarray(bodyStart, bodyEnd)));
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    if (this.established)
      process.stderr.write(`bench client: ${error instanceof Error ? error.message : String(error)}\n`);
    this.socket.destroy();
  }
}
