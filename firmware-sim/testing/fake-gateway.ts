/**
 * A tiny scripted MQTT-SN gateway on a UDP socket, for testing the simulator on its own: the far
 * side of the wire, nothing more. It answers SEARCHGW, CONNECT (with will prompts), REGISTER,
 * PUBLISH (QoS 0/1/2), SUBSCRIBE, PINGREQ and DISCONNECT; buffers what `publishTo` sends a sleeping
 * client and flushes it on PINGREQ-with-ClientId (§6.14); and records what it received.
 * Not a gateway: no keep-alive supervision, no wills, no retransmission of its own.
 */
import dgram from 'node:dgram';
import { decode, encode, type MqttSnPacket, ReturnCode } from '../../src/codec/mqttsn/index.js';

export interface FakePublish {
  clientId: string;
  topic: string;
  payload: string;
  qos: number;
  dup: boolean;
}

interface FakeClient {
  clientId: string;
  address: string;
  port: number;
  topicsByName: Map<string, number>;
  topicsById: Map<number, string>;
  asleep: boolean;
  buffered: Array<{ topic: string; payload: Buffer }>;
  /** Buffered message sent on wake-up, waiting for its PUBACK before the next (§6.14). */
  flushing: number | undefined;
  will: { topic?: string; message?: string };
}

export interface FakeGatewayOptions {
  /** Predefined topic ids (§6.7). */
  predefined?: ReadonlyMap<number, string>;
  /** Ignore the first N PUBLISHes of each client (to exercise the sensor's retransmission). */
  ignoreFirstPublishes?: number;
}

export class FakeGateway {
  readonly published: FakePublish[] = [];
  readonly received: Array<{ from: string; packet: MqttSnPacket }> = [];
  private readonly clients = new Map<string, FakeClient>();
  private readonly publishSeen = new Map<string, number>();
  private nextTopicId = 100;
  private nextMsgId = 1;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly options: FakeGatewayOptions,
  ) {
    socket.on('message', (data, rinfo) => this.onDatagram(data, rinfo.address, rinfo.port));
  }

  static async start(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new FakeGateway(socket, options);
  }

  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  client(clientId: string): { asleep: boolean; buffered: number; will: FakeClient['will'] } | undefined {
    for (const client of this.clients.values()) {
      if (client.clientId === clientId) {
        return { asleep: client.asleep, buffered: client.buffered.length, will: client.will };
      }
    }
    return undefined;
  }

  /** Sends a QoS 1 PUBLISH to a client, or buffers it while the client sleeps. */
  publishTo(clientId: string, topic: string, payload: string): void {
    const client = [...this.clients.values()].find((c) => c.clientId === clientId);
    if (!client) throw new Error(`fake gateway: no client ${clientId}`);
    if (client.asleep) client.buffered.push({ topic, payload: Buffer.from(payload) });
    else this.sendPublish(client, topic, Buffer.from(payload));
  }

  /**
   * Sends a QoS 1 PUBLISH to an awake client twice: the second time with DUP set and the same MsgId,
   * as a gateway does when the PUBACK is lost (§6.13).
   */
  publishTwice(clientId: string, topic: string, payload: string): void {
    const client = [...this.clients.values()].find((c) => c.clientId === clientId);
    if (!client || client.asleep) throw new Error(`fake gateway: no awake client ${clientId}`);
    const topicId = client.topicsByName.get(topic);
    if (topicId === undefined) throw new Error(`fake gateway: ${clientId} has no id for ${topic}`);
    const msgId = this.nextMsgId++;
    for (const dup of [false, true]) {
      this.send(client, {
        type: 'PUBLISH',
        dup,
        qos: 1,
        retain: false,
        topic: { type: 'normal', id: topicId },
        msgId,
        payload: Buffer.from(payload),
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private send(client: { address: string; port: number }, packet: MqttSnPacket): void {
    this.socket.send(encode(packet), client.port, client.address);
  }

  private sendPublish(client: FakeClient, topic: string, payload: Buffer): number {
    const topicId = client.topicsByName.get(topic);
    if (topicId === undefined) throw new Error(`fake gateway: ${client.clientId} has no id for ${topic}`);
    const msgId = this.nextMsgId++;
    const topicRef = { type: 'normal' as const, id: topicId };
    this.send(client, {
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: topicRef,
      msgId,
      payload,
    });
    return msgId;
  }

  private topicId(client: FakeClient, name: string): number {
    let id = client.topicsByName.get(name);
    if (id === undefined) {
      id = this.nextTopicId++;
      client.topicsByName.set(name, id);
      client.topicsById.set(id, name);
    }
    return id;
  }

  private onDatagram(data: Buffer, address: string, port: number): void {
    const result = decode(data);
    if (!result.ok) return;
    const packet = result.packet;
    const key = `${address}:${port}`;
    this.received.push({ from: key, packet });
    const peer = { address, port };
    if (packet.type === 'SEARCHGW') {
      this.send(peer, { type: 'GWINFO', gwId: 7 });
      return;
    }
    if (packet.type === 'CONNECT') {
      this.onConnect(key, peer, packet);
      return;
    }
    if (packet.type === 'PINGREQ' && packet.clientId !== undefined) {
      this.onWake(key, peer, packet.clientId);
      return;
    }
    const client = this.clients.get(key);
    if (!client && packet.type === 'PUBLISH' && packet.qos === -1) {
      const anonymous = { clientId: key, address, port, topicsByName: new Map(), topicsById: new Map() };
      this.onPublish({ ...anonymous, asleep: false, buffered: [], flushing: undefined, will: {} }, packet);
      return;
    }
    if (!client) {
      this.send(peer, { type: 'DISCONNECT' });
      return;
    }
    this.onClientPacket(client, packet);
  }

  private onConnect(key: string, peer: { address: string; port: number }, packet: MqttSnPacket): void {
    if (packet.type !== 'CONNECT') return;
    const existing = [...this.clients.entries()].find(([, c]) => c.clientId === packet.clientId);
    if (existing) this.clients.delete(existing[0]);
    const kept = existing && !packet.cleanSession ? existing[1] : undefined;
    const client: FakeClient = {
      clientId: packet.clientId,
      ...peer,
      topicsByName: kept?.topicsByName ?? new Map(),
      topicsById: kept?.topicsById ?? new Map(),
      asleep: false,
      buffered: kept?.buffered ?? [],
      flushing: undefined,
      will: kept?.will ?? {},
    };
    this.clients.set(key, client);
    if (packet.will) {
      this.send(peer, { type: 'WILLTOPICREQ' });
      return;
    }
    this.send(peer, { type: 'CONNACK', returnCode: ReturnCode.ACCEPTED });
    this.flushBuffered(client, false);
  }

  private onWake(key: string, peer: { address: string; port: number }, clientId: string): void {
    const entry = [...this.clients.entries()].find(([, c]) => c.clientId === clientId);
    if (!entry) {
      this.send(peer, { type: 'DISCONNECT' });
      return;
    }
    const [oldKey, client] = entry;
    this.clients.delete(oldKey);
    Object.assign(client, peer);
    this.clients.set(key, client);
    this.flushBuffered(client, true);
  }

  /** Sends the next buffered message, or PINGRESP when none is left (asleep again). */
  private flushBuffered(client: FakeClient, thenPingresp: boolean): void {
    const next = client.buffered.shift();
    if (next) {
      client.flushing = this.sendPublish(client, next.topic, next.payload);
      return;
    }
    client.flushing = undefined;
    if (thenPingresp) this.send(client, { type: 'PINGRESP' });
  }

  private onClientPacket(client: FakeClient, packet: MqttSnPacket): void {
    switch (packet.type) {
      case 'WILLTOPIC':
        client.will.topic = packet.will?.topic;
        this.send(client, { type: 'WILLMSGREQ' });
        return;
      case 'WILLMSG':
        client.will.message = packet.willMsg.toString();
        this.send(client, { type: 'CONNACK', returnCode: ReturnCode.ACCEPTED });
        return;
      case 'REGISTER': {
        const topicId = this.topicId(client, packet.topicName);
        this.send(client, {
          type: 'REGACK',
          topicId,
          msgId: packet.msgId,
          returnCode: ReturnCode.ACCEPTED,
        });
        return;
      }
      case 'SUBSCRIBE': {
        const name = packet.topic.type === 'name' || packet.topic.type === 'short' ? packet.topic.name : '';
        const topicId = this.topicId(client, name);
        this.send(client, { type: 'SUBACK', qos: 1, topicId, msgId: packet.msgId, returnCode: 0 });
        return;
      }
      case 'PUBLISH':
        this.onPublish(client, packet);
        return;
      case 'PUBREL':
        this.send(client, { type: 'PUBCOMP', msgId: packet.msgId });
        return;
      case 'PUBACK':
        if (client.flushing === packet.msgId) this.flushBuffered(client, client.asleep);
        return;
      case 'PINGREQ':
        this.send(client, { type: 'PINGRESP' });
        return;
      case 'DISCONNECT':
        client.asleep = packet.duration !== undefined;
        this.send(client, { type: 'DISCONNECT' });
        return;
      default:
        return;
    }
  }

  private onPublish(client: FakeClient, packet: MqttSnPacket): void {
    if (packet.type !== 'PUBLISH') return;
    const seen = (this.publishSeen.get(client.clientId) ?? 0) + 1;
    this.publishSeen.set(client.clientId, seen);
    if (seen <= (this.options.ignoreFirstPublishes ?? 0)) return;
    const topic =
      packet.topic.type === 'normal'
        ? client.topicsById.get(packet.topic.id)
        : packet.topic.type === 'short'
          ? packet.topic.name
          : this.options.predefined?.get(packet.topic.id);
    if (topic === undefined) {
      const topicId = packet.topic.type === 'short' ? 0 : packet.topic.id;
      this.send(client, {
        type: 'PUBACK',
        topicId,
        msgId: packet.msgId,
        returnCode: ReturnCode.INVALID_TOPIC_ID,
      });
      return;
    }
    this.published.push({
      clientId: client.clientId,
      topic,
      payload: packet.payload.toString(),
      qos: packet.qos,
      dup: packet.dup,
    });
    if (packet.qos === 1) {
      const topicId = packet.topic.type === 'short' ? 0 : packet.topic.id;
      this.send(client, { type: 'PUBACK', topicId, msgId: packet.msgId, returnCode: ReturnCode.ACCEPTED });
    }
    if (packet.qos === 2) this.send(client, { type: 'PUBREC', msgId: packet.msgId });
  }
}
