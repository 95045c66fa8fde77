/**
 * A scripted MQTT client for differential scenarios. It speaks raw MQTT (packets encoded with
 * mqtt-packet, so every flag is exactly what the script says), acknowledges what it receives the
 * way a well-behaved client does (unless told not to), and writes everything the broker sends
 * into a transcript, normalised (normalise.ts) so that two brokers' transcripts can be compared.
 *
 * Waits never throw: a wait that times out writes a `timeout` entry, so the difference between
 * the two brokers shows up in the transcript diff instead of as an exception on one side only.
 */
import net from 'node:net';
import { parser as createParser, generate, type IPublishPacket, type Packet } from 'mqtt-packet';
import { type Entry, normalise } from './normalise.js';

export type Version = 3 | 4 | 5;
export type QoS = 0 | 1 | 2;

export interface WillSpec {
  topic: string;
  payload: string;
  qos?: QoS;
  retain?: boolean;
  properties?: Record<string, unknown>;
}

export interface ConnectSpec {
  version: Version;
  clientId: string;
  clean?: boolean;
  keepalive?: number;
  will?: WillSpec;
  properties?: Record<string, unknown>;
  /** Acknowledge incoming QoS 1/2 PUBLISHes and PUBRELs (default true). */
  autoAck?: boolean;
}

export interface PublishSpec {
  qos?: QoS;
  retain?: boolean;
  dup?: boolean;
  properties?: Record<string, unknown>;
  /** Packet id to use (default: the client's next id). */
  messageId?: number;
}

export interface SubscriptionSpec {
  topic: string;
  qos?: QoS;
  nl?: boolean;
  rap?: boolean;
  rh?: 0 | 1 | 2;
}

const WAIT_MS = 2000;

/**
 * CONNECT bytes. mqtt-packet refuses to encode an empty client id with clean session 0, or any
 * empty client id in 3.1 — exactly what the tests want to send — so those are encoded with a
 * one-character id and patched: the id is the last field when there is no will/user/password.
 */
function connectBytes(packet: Record<string, unknown>, version: Version): Buffer {
  const emptyId = packet.clientId === '';
  const refused = emptyId && (packet.clean === false || version === 3);
  if (!refused) return generate(packet as unknown as Packet, { protocolVersion: version });
  if (packet.will !== undefined) throw new Error('empty client id with a will: not supported here');
  const bytes = generate({ ...packet, clientId: 'X', clean: true } as unknown as Packet, {
    protocolVersion: version,
  });
  if (bytes[1]! >= 0x80) throw new Error('CONNECT too long to patch');
  const protocolId = version === 3 ? 'MQIsdp' : 'MQTT';
  const flagsAt = 2 + 2 + protocolId.length + 1;
  const patched = Buffer.concat([bytes.subarray(0, bytes.length - 3), Buffer.from([0, 0])]);
  patched[1] = bytes[1]! - 1;
  if (packet.clean === false) patched[flagsAt] = patched[flagsAt]! & ~0x02;
  return patched;
}

export class ScriptedClient {
  readonly entries: Entry[] = [];
  private readonly raw: Packet[] = [];
  private waiters: Array<() => void> = [];
  private nextId = 1;
  private closedByUs = false;
  private closedFlag = false;
  private readonly answeredRecs = new Set<number>();
  private readonly aliases = new Map<number, string>();
  private pubrelAnswers = 0;
  autoAck: boolean;
  readonly closed: Promise<void>;

  constructor(
    readonly name: string,
    readonly version: Version,
    private readonly socket: net.Socket,
    autoAck: boolean,
  ) {
    this.autoAck = autoAck;
    const parser = createParser({ protocolVersion: version });
    parser.on('packet', (p: Packet) => this.onPacket(p));
    parser.on('error', (e: Error) => this.entries.push({ event: 'decode-error', message: e.message }));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedFlag = true;
        if (!this.closedByUs) this.entries.push({ event: 'closed by broker' });
        this.wake();
        resolve();
      });
    });
  }

  static async open(name: string, port: number, spec: ConnectSpec): Promise<ScriptedClient> {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new ScriptedClient(name, spec.version, socket, spec.autoAck ?? true);
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  private onPacket(p: Packet): void {
    if (p.cmd === 'publish') this.resolveTopicAlias(p);
    this.raw.push(p);
    if (p.cmd === 'pubrel' && this.answeredRecs.delete(p.messageId ?? 0)) {
      // The broker's answer to our own PUBREC: when it lands relative to the next PUBLISH on
      // this socket depends on two sockets' timing, not on the broker. Counted, not placed.
      this.pubrelAnswers++;
    } else if (p.cmd !== 'pingresp') {
      // PINGRESP is our own barrier, not something the scenario observes.
      this.entries.push(normalise(p));
    }
    if (this.autoAck) this.acknowledge(p);
    this.wake();
  }

  private acknowledge(p: Packet): void {
    if (p.cmd === 'publish' && p.qos === 1) this.send({ cmd: 'puback', messageId: p.messageId });
    if (p.cmd === 'publish' && p.qos === 2) this.sendPubrec(p.messageId ?? 0);
    if (p.cmd === 'pubrel') this.send({ cmd: 'pubcomp', messageId: p.messageId });
  }

  /**
   * Server-to-client topic aliases (MQTT 5 §3.3.2.3.4) are the server's choice — mosquitto 2.0.11
   * never sends them, our front end does when the client allows — and every client resolves them.
   * The transcript shows what the client resolves: the full topic, without the alias property.
   */
  private resolveTopicAlias(p: IPublishPacket): void {
    const alias = p.properties?.topicAlias;
    if (alias === undefined) return;
    if (p.topic === '') p.topic = this.aliases.get(alias) ?? `<unknown alias ${alias}>`;
    else this.aliases.set(alias, p.topic);
    delete p.properties?.topicAlias;
    if (p.properties && Object.keys(p.properties).length === 0) delete p.properties;
  }

  /** A marker in this client's transcript (placed after a sync, so its position is deterministic). */
  mark(label: string): void {
    this.entries.push({ event: 'mark', label });
  }

  /** Sends PUBREC; the PUBREL that answers it is then counted, not placed (see onPacket). */
  sendPubrec(messageId: number): void {
    this.answeredRecs.add(messageId);
    this.send({ cmd: 'pubrec', messageId });
  }

  /** The transcript: entries in order, then how many PUBRELs answered our PUBRECs. */
  transcript(): Entry[] {
    return this.pubrelAnswers > 0
      ? [...this.entries, { event: 'pubrel answers', count: this.pubrelAnswers }]
      : [...this.entries];
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Sends a packet encoded for this client's version, or raw bytes as given. */
  send(packet: Packet | Buffer): void {
    if (this.closedFlag) return;
    const bytes = Buffer.isBuffer(packet) ? packet : generate(packet, { protocolVersion: this.version });
    this.socket.write(bytes);
  }

  /**
   * Waits until a packet not taken by an earlier wait satisfies `match`, and takes it.
   * Returns it, or undefined after writing a timeout entry naming `what`.
   */
  async waitFor(what: string, match: (p: Packet) => boolean, ms = WAIT_MS): Promise<Packet | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.raw.findIndex(match);
      if (index >= 0) return this.raw.splice(index, 1)[0];
      const left = deadline - Date.now();
      if (this.closedFlag || left <= 0) {
        this.entries.push({ event: 'timeout', waitingFor: what });
        return undefined;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** A barrier: once PINGRESP is back, the broker has handled everything sent before it. */
  async ping(): Promise<void> {
    if (this.closedFlag) return;
    this.send({ cmd: 'pingreq' });
    await this.waitFor('pingresp', (p) => p.cmd === 'pingresp');
  }

  async connect(spec: ConnectSpec): Promise<void> {
    const packet: Record<string, unknown> = {
      cmd: 'connect',
      protocolId: spec.version === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: spec.version,
      clientId: spec.clientId,
      clean: spec.clean ?? true,
      keepalive: spec.keepalive ?? 60,
    };
    if (spec.properties) packet.properties = spec.properties;
    if (spec.will) {
      packet.will = {
        topic: spec.will.topic,
        payload: Buffer.from(spec.will.payload),
        qos: spec.will.qos ?? 0,
        retain: spec.will.retain ?? false,
        ...(spec.will.properties ? { properties: spec.will.properties } : {}),
      };
    }
    this.send(connectBytes(packet, spec.version));
    await this.waitFor('connack', (p) => p.cmd === 'connack');
  }

  private allocateId(): number {
    const id = this.nextId;
    this.nextId = id === 65535 ? 1 : id + 1;
    return id;
  }

  /** Publishes and, for QoS 1/2, completes the flow (PUBACK, or PUBREC → PUBREL → PUBCOMP). */
  async publish(topic: string, payload: string | Buffer, spec: PublishSpec = {}): Promise<void> {
    const qos = spec.qos ?? 0;
    const messageId = qos > 0 ? (spec.messageId ?? this.allocateId()) : undefined;
    const packet: Record<string, unknown> = {
      cmd: 'publish',
      topic,
      payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
      qos,
      retain: spec.retain ?? false,
      dup: spec.dup ?? false,
    };
    if (messageId !== undefined) packet.messageId = messageId;
    if (spec.properties) packet.properties = spec.properties;
    this.send(packet as unknown as Packet);
    if (qos === 1) {
      await this.waitFor(`puback ${messageId}`, (p) => p.cmd === 'puback' && p.messageId === messageId);
    } else if (qos === 2) {
      const rec = await this.waitFor(
        `pubrec ${messageId}`,
        (p) => p.cmd === 'pubrec' && p.messageId === messageId,
      );
      if (rec === undefined) return;
      this.send({ cmd: 'pubrel', messageId } as Packet);
      await this.waitFor(`pubcomp ${messageId}`, (p) => p.cmd === 'pubcomp' && p.messageId === messageId);
    } else {
      await this.ping();
    }
  }

  async subscribe(subs: SubscriptionSpec[], properties?: Record<string, unknown>): Promise<void> {
    const messageId = this.allocateId();
    const subscriptions = subs.map((s) => ({
      topic: s.topic,
      qos: s.qos ?? 0,
      ...(this.version === 5 ? { nl: s.nl ?? false, rap: s.rap ?? false, rh: s.rh ?? 0 } : {}),
    }));
    const packet: Record<string, unknown> = { cmd: 'subscribe', messageId, subscriptions };
    if (properties) packet.properties = properties;
    this.send(packet as unknown as Packet);
    await this.waitFor(`suback ${messageId}`, (p) => p.cmd === 'suback' && p.messageId === messageId);
  }

  async unsubscribe(topics: string[]): Promise<void> {
    const messageId = this.allocateId();
    this.send({ cmd: 'unsubscribe', messageId, unsubscriptions: topics } as Packet);
    await this.waitFor(`unsuback ${messageId}`, (p) => p.cmd === 'unsuback' && p.messageId === messageId);
  }

  /** Sends DISCONNECT (v5: with a reason code) and waits for the broker to close the socket. */
  async disconnect(reasonCode?: number, properties?: Record<string, unknown>): Promise<void> {
    const packet: Record<string, unknown> = { cmd: 'disconnect' };
    if (this.version === 5 && reasonCode !== undefined) packet.reasonCode = reasonCode;
    if (this.version === 5 && properties) packet.properties = properties;
    this.closedByUs = true;
    this.send(packet as unknown as Packet);
    this.socket.end();
    await this.waitClosed('close after DISCONNECT');
  }

  /** Closes the socket without DISCONNECT (the broker sees a lost connection). */
  async drop(): Promise<void> {
    this.closedByUs = true;
    this.socket.destroy();
    await this.closed;
  }

  /** Waits for the broker to close the connection; writes a timeout entry if it does not. */
  async waitClosed(what = 'close', ms = WAIT_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.closed.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), ms);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.entries.push({ event: 'timeout', waitingFor: what });
  }

  destroy(): void {
    this.closedByUs = true;
    this.socket.destroy();
  }
}
