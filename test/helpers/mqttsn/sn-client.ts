/**
 * A test MQTT-SN client over a real UDP socket: sends encoded packets (or raw bytes) to the
 * gateway and awaits decoded replies. With `nodeId` it behaves as a forwarder relaying one wireless
 * node (MQTT-SN §5.5): it wraps what it sends and unwraps what it receives.
 */
import dgram from 'node:dgram';
import {
  decode,
  describe,
  describeError,
  encode,
  type MqttSnPacket,
  type MsgTypeName,
  type PacketOf,
  ReturnCode,
} from '../../../src/codec/mqttsn/index.js';

export interface SnClientOptions {
  /** Gateway UDP port on 127.0.0.1. */
  port: number;
  /** Relay as a forwarder for this wireless node id. */
  nodeId?: Buffer;
  /** Bind to this local port (0 = any). */
  localPort?: number;
}

export interface ConnectOptions {
  cleanSession?: boolean;
  duration?: number;
  will?: { topic: string; message: string; qos?: 0 | 1 | 2; retain?: boolean };
}

const DEFAULT_WAIT_MS = 3000;

export class SnTestClient {
  private readonly received: MqttSnPacket[] = [];
  private readonly errors: string[] = [];
  private waiter: (() => void) | undefined;
  /** Raw datagrams received, for tests on the encapsulation itself. */
  readonly rawReceived: Buffer[] = [];

  private constructor(
    private readonly socket: dgram.Socket,
    readonly options: SnClientOptions,
  ) {
    socket.on('message', (data) => this.onMessage(data));
  }

  static async open(options: SnClientOptions): Promise<SnTestClient> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.localPort ?? 0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new SnTestClient(socket, options);
  }

  get localPort(): number {
    return this.socket.address().port;
  }

  /** Send a packet (or raw bytes, sent as they are, wrapped when relaying). */
  send(packet: MqttSnPacket | Buffer): void {
    let data = Buffer.isBuffer(packet) ? packet : encode(packet);
    if (this.options.nodeId !== undefined) {
      data = encode({ type: 'ENCAPSULATED', radius: 0, wirelessNodeId: this.options.nodeId, inner: data });
    }
    this.socket.send(data, this.options.port, '127.0.0.1');
  }

  /** The next packet received, whatever its type. */
  async next(timeoutMs = DEFAULT_WAIT_MS): Promise<MqttSnPacket> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (this.errors.length > 0) throw new Error(this.errors.join('; '));
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no MQTT-SN packet within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    const packet = this.received.shift();
    if (packet === undefined) throw new Error('unreachable');
    return packet;
  }

  /** The next packet, which must be of `type`. */
  async expect<T extends MsgTypeName>(type: T, timeoutMs = DEFAULT_WAIT_MS): Promise<PacketOf<T>> {
    const packet = await this.next(timeoutMs);
    if (packet.type !== type) throw new Error(`expected ${type}, got ${describe(packet)}`);
    return packet as PacketOf<T>;
  }

  /** Everything that arrives within `ms` (for "nothing more comes" checks). */
  async drain(ms: number): Promise<MqttSnPacket[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.received.splice(0);
  }

  /** CONNECT, the will handshake if asked, and the CONNACK's return code. */
  async connect(clientId: string, options: ConnectOptions = {}): Promise<number> {
    const will = options.will;
    this.send({
      type: 'CONNECT',
      will: will !== undefined,
      cleanSession: options.cleanSession ?? true,
      duration: options.duration ?? 60,
      clientId,
    });
    if (will !== undefined) {
      await this.expect('WILLTOPICREQ');
      this.send({
        type: 'WILLTOPIC',
        will: { topic: will.topic, qos: will.qos ?? 0, retain: will.retain ?? false },
      });
      await this.expect('WILLMSGREQ');
      this.send({ type: 'WILLMSG', willMsg: Buffer.from(will.message) });
    }
    return (await this.expect('CONNACK')).returnCode;
  }

  /** REGISTER a topic name; returns the topic id (throws on a rejection). */
  async register(topicName: string, msgId = 1): Promise<number> {
    this.send({ type: 'REGISTER', topicId: 0, msgId, topicName });
    const regack = await this.expect('REGACK');
    if (regack.returnCode !== ReturnCode.ACCEPTED)
      throw new Error(`REGISTER ${topicName} refused: ${regack.returnCode}`);
    return regack.topicId;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private onMessage(data: Buffer): void {
    this.rawReceived.push(data);
    let result = decode(data);
    if (result.ok && result.packet.type === 'ENCAPSULATED') {
      const inner = result.packet.inner;
      result = Buffer.isBuffer(inner) ? decode(inner) : { ok: true, packet: inner };
    }
    if (!result.ok) {
      // Surfaced by next(): a throw here would crash the test worker instead of failing the test.
      this.errors.push(`gateway sent a malformed datagram: ${describeError(result.error)}`);
      this.waiter?.();
      return;
    }
    this.received.push(result.packet);
    this.waiter?.();
  }
}
