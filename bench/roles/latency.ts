/**
 * End-to-end latency at a steady rate: one publisher and one subscriber in this process, both with
 * TCP_NODELAY. Each PUBLISH carries its send time (hrtime ns); the subscriber subtracts it from the
 * arrival time of the chunk that carried it. Pacing spins on setImmediate — which keeps this process
 * polling its sockets without sleeping, so a sample is not delayed by the generator's own timers — and
 * sends each message as its own write when its slot comes (no bursts), catching up if it fell behind.
 */
import { BenchClient } from '../client.js';
import { type LatencyJob, type LatencyResult, nowNs } from '../protocol.js';
import { PacketType, PayloadField, publishTemplate } from '../wire.js';
import { HANDSHAKE_TIMEOUT_MS, OneShot, type Role } from './role.js';

const TOPIC = 'bench/latency';
/** After the last send, wait this long for stragglers before computing percentiles. */
const DRAIN_MS = 1_000;

export async function prepareLatency(job: LatencyJob): Promise<Role> {
  const subscriber = await BenchClient.connect(job.port, `${job.clientIdPrefix}sub`, HANDSHAKE_TIMEOUT_MS);
  let publisher: BenchClient;
  try {
    await subscriber.subscribe(TOPIC, 0, HANDSHAKE_TIMEOUT_MS);
    publisher = await BenchClient.connect(job.port, `${job.clientIdPrefix}pub`, HANDSHAKE_TIMEOUT_MS);
  } catch (error) {
    subscriber.close();
    throw error;
  }
  const template = publishTemplate(TOPIC, job.payloadSize, 0);
  const total = Math.round((job.rate * (job.warmupMs + job.durationMs)) / 1000);
  const latenciesNs = new Float64Array(total);
  let samples = 0;
  let sent = 0;
  let received = 0;
  let errors = 0;
  let startNs = 0;
  let measureFromNs = 0;
  let measuredSent = 0;
  let lastSendNs = 0;
  const outcome = new OneShot<LatencyResult>();

  subscriber.scanner.visit = (buf, firstByte, bodyStart) => {
    if (firstByte >> 4 !== PacketType.publish) return;
    received += 1;
    const payloadAt = bodyStart + 2 + buf.readUInt16BE(bodyStart);
    const sentNs = Number(buf.readBigUInt64LE(payloadAt + PayloadField.sentNs));
    if (sentNs >= measureFromNs && samples < latenciesNs.length) {
      latenciesNs[samples++] = subscriber.chunkNs - sentNs;
    }
  };
  for (const client of [subscriber, publisher]) {
    client.socket.on('close', () => {
      if (!outcome.done) errors += 1;
    });
  }

  const finish = (timedOut: boolean): void =>
    outcome.settle(() => {
      const sorted = latenciesNs.subarray(0, samples).sort();
      const measuredSeconds = (lastSendNs - measureFromNs) / 1e9;
      return {
        kind: 'latency',
        sent,
        received,
        samples,
        p50Us: percentile(sorted, 0.5) / 1e3,
        p99Us: percentile(sorted, 0.99) / 1e3,
        p999Us: percentile(sorted, 0.999) / 1e3,
        maxUs: (sorted[sorted.length - 1] ?? Number.NaN) / 1e3,
        achievedRate: measuredSeconds > 0 ? measuredSent / measuredSeconds : 0,
        startNs,
        endNs: lastSendNs,
        errors,
        timedOut,
      };
    });

  const sendOne = (): void => {
    const packet = Buffer.from(template.bytes);
    const payloadAt = template.payloadOffset;
    packet.writeUInt32LE(sent, payloadAt + PayloadField.sequence);
    const at = nowNs();
    packet.writeBigUInt64LE(BigInt(at), payloadAt + PayloadField.sentNs);
    publisher.socket.write(packet);
    sent += 1;
    lastSendNs = at;
    if (at >= measureFromNs) measuredSent += 1;
  };

  const pace = (): void => {
    if (outcome.done) return;
    const due = Math.min(total, Math.floor(((nowNs() - startNs) * job.rate) / 1e9));
    while (sent < due) sendOne();
    if (sent < total) {
      setImmediate(pace);
      return;
    }
    const waitForStragglers = setInterval(() => {
      if (outcome.done || received >= sent || nowNs() - lastSendNs > DRAIN_MS * 1e6) {
        clearInterval(waitForStragglers);
        finish(false);
      }
    }, 10);
  };

  return {
    go: () => {
      startNs = nowNs();
      measureFromNs = startNs + job.warmupMs * 1e6;
      const deadline = setTimeout(() => finish(true), job.deadlineMs);
      outcome.promise.finally(() => clearTimeout(deadline));
      setImmediate(pace);
      return outcome.promise;
    },
    stop: async () => {
      finish(true);
      subscriber.close();
      publisher.close();
    },
  };
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}
