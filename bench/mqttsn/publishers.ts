/**
 * The publishers of a fan-in run, behind one interface so both front ends get the same load:
 * MQTT-SN sensors, one UDP socket each (the gateway sees as many peers), CONNECT → REGISTER once,
 * then pre-encoded PUBLISHes; or MQTT clients on TCP with pre-encoded PUBLISHes. At QoS 1 each
 * publisher has at most one message un-acknowledged (MQTT-SN §6.6), on both paths.
 */
import dgram from 'node:dgram';
import { BenchClient } from '../client.js';
import { PacketType, publishTemplate as tcpPublishTemplate } from '../wire.js';
import type { Qos01 } from './protocol.js';
import {
  ackFields,
  connackReturnCode,
  connectPacket,
  publishTemplate,
  registerPacket,
  replyType,
  SN,
  type SnPublishTemplate,
  Stamp,
  stampPublish,
} from './sn-wire.js';

const HANDSHAKE_TIMEOUT_MS = 10_000;
const HANDSHAKES_IN_FLIGHT = 50;
const KEEP_ALIVE_SECONDS = 3600;
const RESEND_MS = 1000;

export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
}

export interface Publisher {
  /** Sends one message (sequence numbers count per publisher). */
  publish(sequence: number): void;
  /** QoS 1: called with the return code of each PUBACK. */
  onAck: (returnCode: number) => void;
  close(): void;
}

export function topicOf(index: number): string {
  return `bench/sn/${index}`;
}

/** Runs `make(i)` for i in [0, count) with at most `inFlight` pending at once. */
export async function limitedAll<T>(
  count: number,
  inFlight: number,
  make: (i: number) => Promise<T>,
): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return out;
}

// ---- MQTT-SN over UDP ----------------------------------------------------------------------------

class SnSensor implements Publisher {
  onAck: (returnCode: number) => void = () => {};
  private template: SnPublishTemplate | null = null;
  private msgId = 1;
  private waiter: ((data: Buffer) => void) | null = null;

  constructor(
    private readonly socket: dgram.Socket,
    private readonly port: number,
    private readonly index: number,
    private readonly qos: Qos01,
  ) {
    socket.on('message', (data) => this.onMessage(data));
  }

  async handshake(clientId: string, payloadSize: number): Promise<void> {
    const connack = await this.request(connectPacket(clientId, KEEP_ALIVE_SECONDS), SN.CONNACK);
    if (connackReturnCode(connack) !== 0) {
      throw new HandshakeError(`CONNACK for ${clientId}: return code ${connackReturnCode(connack)}`);
    }
    const regack = ackFields(await this.request(registerPacket(topicOf(this.index), 1), SN.REGACK));
    if (regack.returnCode !== 0) throw new HandshakeError(`REGACK for ${clientId}: ${regack.returnCode}`);
    this.template = publishTemplate(regack.topicId, this.qos, payloadSize);
  }

  publish(sequence: number): void {
    if (this.template === null) throw new HandshakeError('publish before REGACK');
    const msgId = this.msgId;
    this.msgId = msgId === 0xffff ? 1 : msgId + 1;
    this.socket.send(stampPublish(this.template, msgId, this.index, sequence), this.port, '127.0.0.1');
  }

  close(): void {
    this.socket.close();
  }

  private onMessage(data: Buffer): void {
    if (this.waiter !== null) {
      this.waiter(data);
      return;
    }
    if (replyType(data) === SN.PUBACK) this.onAck(ackFields(data).returnCode);
  }

  /** Sends `packet` until its reply comes (a datagram may be dropped when the gateway is busy). */
  private request(packet: Buffer, replyMsgType: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const resend = setInterval(() => this.socket.send(packet, this.port, '127.0.0.1'), RESEND_MS);
      const timer = setTimeout(() => {
        clearInterval(resend);
        this.waiter = null;
        reject(
          new HandshakeError(
            `no reply of type 0x${replyMsgType.toString(16)} within ${HANDSHAKE_TIMEOUT_MS} ms`,
          ),
        );
      }, HANDSHAKE_TIMEOUT_MS);
      this.waiter = (data) => {
        if (replyType(data) !== replyMsgType) return;
        clearTimeout(timer);
        clearInterval(resend);
        this.waiter = null;
        resolve(data);
      };
      this.socket.send(packet, this.port, '127.0.0.1');
    });
  }
}

async function openSensor(
  udpPort: number,
  index: number,
  clientId: string,
  qos: Qos01,
  payloadSize: number,
): Promise<SnSensor> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const sensor = new SnSensor(socket, udpPort, index, qos);
  try {
    await sensor.handshake(clientId, payloadSize);
  } catch (error) {
    sensor.close();
    throw error;
  }
  return sensor;
}

// ---- MQTT over TCP ---------------------------------------------------------------------------------

class TcpPublisher implements Publisher {
  onAck: (returnCode: number) => void = () => {};
  private packetId = 1;
  private readonly template;

  constructor(
    private readonly client: BenchClient,
    private readonly index: number,
    qos: Qos01,
    payloadSize: number,
  ) {
    this.template = tcpPublishTemplate(topicOf(index), payloadSize, qos);
    client.scanner.visit = (_buf, firstByte) => {
      if (firstByte >> 4 === PacketType.puback) this.onAck(0);
    };
  }

  publish(sequence: number): void {
    const { bytes, packetIdOffset, payloadOffset } = this.template;
    const out = Buffer.allocUnsafe(bytes.length);
    bytes.copy(out);
    if (packetIdOffset >= 0) {
      out.writeUInt16BE(this.packetId, packetIdOffset);
      this.packetId = this.packetId === 0xffff ? 1 : this.packetId + 1;
    }
    out.writeBigUInt64LE(process.hrtime.bigint(), payloadOffset + Stamp.sentNs);
    out.writeUInt32LE(this.index, payloadOffset + Stamp.publisher);
    out.writeUInt32LE(sequence, payloadOffset + Stamp.sequence);
    this.client.socket.write(out);
  }

  close(): void {
    this.client.close();
  }
}

export interface PublisherSet {
  path: 'mqttsn' | 'tcp';
  mqttPort: number;
  udpPort: number;
  count: number;
  qos: Qos01;
  payloadSize: number;
  idPrefix: string;
}

export async function openPublishers(set: PublisherSet): Promise<Publisher[]> {
  const opened: Publisher[] = [];
  try {
    return await limitedAll(set.count, HANDSHAKES_IN_FLIGHT, async (i) => {
      const clientId = `${set.idPrefix}${i}`;
      const publisher =
        set.path === 'mqttsn'
          ? await openSensor(set.udpPort, i, clientId, set.qos, set.payloadSize)
          : new TcpPublisher(
              await BenchClient.connect(set.mqttPort, clientId, HANDSHAKE_TIMEOUT_MS),
              i,
              set.qos,
              set.payloadSize,
            );
      opened.push(publisher);
      return publisher;
    });
  } catch (error) {
    for (const publisher of opened) publisher.close();
    throw error;
  }
}
