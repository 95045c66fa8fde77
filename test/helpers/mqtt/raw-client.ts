/**
 * A raw MQTT client for black-box tests: sends hand-built bytes (or packets encoded with
 * mqtt-packet) over a real TCP socket and reads back what the broker sends, decoded with
 * mqtt-packet's parser. Every wait is bounded.
 */
import net from 'node:net';
import { parser as createParser, generate, type IConnackPacket, type Packet } from 'mqtt-packet';

export type ProtocolVersion = 3 | 4 | 5;

export class RawClient {
  private readonly received: Packet[] = [];
  private waiters: Array<() => void> = [];
  private closedFlag = false;
  readonly closed: Promise<void>;
  decodeErrors: string[] = [];
  /** Our side's port, kept after the close (the broker's log names the peer by it). */
  readonly localPort: number;

  private constructor(
    readonly socket: net.Socket,
    readonly version: ProtocolVersion,
  ) {
    this.localPort = socket.localPort ?? 0;
    const parser = createParser({ protocolVersion: version });
    parser.on('packet', (p: Packet) => {
      this.received.push(p);
      this.wake();
    });
    parser.on('error', (e: Error) => this.decodeErrors.push(e.message));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedFlag = true;
        this.wake();
        resolve();
      });
    });
  }

  static async open(port: number, version: ProtocolVersion = 4): Promise<RawClient> {
    return RawClient.openAt(port, '127.0.0.1', version);
  }

  /** Opens a connection to `host` (e.g. '::1' for an IPv6 peer). */
  static async openAt(port: number, host: string, version: ProtocolVersion = 4): Promise<RawClient> {
    const socket = net.connect({ port, host, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket, version);
  }

  /** Opens a connection and completes CONNECT/CONNACK. */
  static async connected(
    port: number,
    version: ProtocolVersion,
    clientId: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ client: RawClient; connack: IConnackPacket }> {
    const client = await RawClient.open(port, version);
    client.send({
      cmd: 'connect',
      protocolId: version === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: version,
      clientId,
      clean: true,
      keepalive: 60,
      ...extra,
    } as Packet);
    const connack = await client.expect('connack');
    return { client, connack };
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Writes bytes as given, or a packet encoded for this client's protocol version. */
  send(data: Buffer | number[] | Packet): void {
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.from(data)
        : generate(data, { protocolVersion: this.version });
    this.socket.write(bytes);
  }

  /** The next packet from the broker; rejects on close or after `ms`. */
  async next(ms = 3000): Promise<Packet> {
    const deadline = Date.now() + ms;
    for (;;) {
      const packet = this.received.shift();
      if (packet !== undefined) return packet;
      if (this.closedFlag) throw new Error('connection closed while waiting for a packet');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no packet within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next packet, which must be of type `cmd`. */
  async expect<C extends Packet['cmd']>(cmd: C, ms = 3000): Promise<Extract<Packet, { cmd: C }>> {
    const packet = await this.next(ms);
    if (packet.cmd !== cmd) throw new Error(`expected ${cmd}, got ${JSON.stringify(packet)}`);
    return packet as Extract<Packet, { cmd: C }>;
  }

  /** Resolves when the broker closes the connection; rejects after `ms`. */
  async expectClosed(ms = 3000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`connection still open after ${ms} ms`)), ms);
    });
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Asserts nothing arrives for `ms` (used sparingly: only to show something is NOT sent). */
  async expectSilence(ms = 300): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const packet = this.received.shift();
    if (packet !== undefined) throw new Error(`unexpected ${JSON.stringify(packet)}`);
  }

  /** Packets received and not yet taken. */
  pending(): Packet[] {
    return [...this.received];
  }

  destroy(): void {
    this.socket.destroy();
  }
}
