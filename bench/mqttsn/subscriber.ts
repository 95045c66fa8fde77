/**
 * The one MQTT subscriber on TCP (what `mosquitto_sub -t 'bench/sn/#'` would be): counts PUBLISHes by
 * their fixed header, reads the send time stamped in each payload for latency, and at QoS 1
 * acknowledges everything one chunk carried with one write.
 */
import { BenchClient } from '../client.js';
import { PacketType, pubacks, publishLayout } from '../wire.js';
import type { Qos01 } from './protocol.js';
import { Stamp } from './sn-wire.js';

const HANDSHAKE_TIMEOUT_MS = 10_000;

export class CountingSubscriber {
  received = 0;
  lastArrivalNs = 0;
  /** Latencies in µs of messages sent inside [sampleFromNs, sampleToNs). */
  readonly latenciesUs: number[] = [];
  sampleFromNs = Number.POSITIVE_INFINITY;
  sampleToNs = Number.POSITIVE_INFINITY;
  /** Called after each chunk: the publishers may send more. */
  onArrivals: () => void = () => {};
  closedEarly = false;

  private constructor(private readonly client: BenchClient) {}

  static async start(
    port: number,
    clientId: string,
    filter: string,
    qos: Qos01,
  ): Promise<CountingSubscriber> {
    const client = await BenchClient.connect(port, clientId, HANDSHAKE_TIMEOUT_MS);
    await client.subscribe(filter, qos, HANDSHAKE_TIMEOUT_MS);
    const subscriber = new CountingSubscriber(client);
    subscriber.listen();
    return subscriber;
  }

  private listen(): void {
    const client = this.client;
    const pendingAcks: number[] = [];
    client.scanner.visit = (buf, firstByte, bodyStart) => {
      if (firstByte >> 4 !== PacketType.publish) return;
      this.received += 1;
      this.lastArrivalNs = client.chunkNs;
      const { packetId, payloadAt } = publishLayout(buf, firstByte, bodyStart);
      if ((firstByte & 0x06) !== 0) pendingAcks.push(packetId);
      const sentNs = Number(buf.readBigUInt64LE(payloadAt + Stamp.sentNs));
      if (sentNs >= this.sampleFromNs && sentNs < this.sampleToNs) {
        this.latenciesUs.push((client.chunkNs - sentNs) / 1000);
      }
    };
    client.afterChunk = () => {
      if (pendingAcks.length > 0) client.socket.write(pubacks(pendingAcks));
      pendingAcks.length = 0;
      this.onArrivals();
    };
    client.socket.on('close', () => {
      this.closedEarly = true;
    });
  }

  close(): void {
    this.client.close();
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}
