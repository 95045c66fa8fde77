/**
 * Subscribers: count PUBLISHes by their fixed header, check per-publisher ordering from the payload's
 * sequence number, and (QoS 1) acknowledge everything a chunk carried in one write.
 */
import { BenchClient } from '../client.js';
import { nowNs, type SubscribeJob, type SubscribeResult } from '../protocol.js';
import { PacketType, PayloadField, pubacks } from '../wire.js';
import { HANDSHAKE_TIMEOUT_MS, indices, OneShot, type Role } from './role.js';

const MAX_PUBLISHERS = 65_536;
const IDLE_CHECK_MS = 50;

export async function prepareSubscribers(job: SubscribeJob): Promise<Role> {
  const clients: BenchClient[] = [];
  try {
    for (const i of indices(job.clients)) {
      const client = await BenchClient.connect(
        job.port,
        `${job.clientIdPrefix}${job.firstIndex + i}`,
        HANDSHAKE_TIMEOUT_MS,
      );
      clients.push(client);
      await client.subscribe(job.filter, job.qos, HANDSHAKE_TIMEOUT_MS);
    }
  } catch (error) {
    for (const client of clients) client.close();
    throw error;
  }

  const expected = job.clients * job.expectedPerClient;
  let received = 0;
  let firstNs = 0;
  let lastNs = 0;
  let outOfOrder = 0;
  let errors = 0;
  const outcome = new OneShot<SubscribeResult>();
  const finish = (timedOut: boolean): void =>
    outcome.settle(() => ({ kind: 'subscribe', received, firstNs, lastNs, outOfOrder, errors, timedOut }));

  clients.forEach((client) => {
    // Highest sequence number seen per publisher, for this subscriber (ordering is per topic and session).
    const lastSequence = new Int32Array(MAX_PUBLISHERS).fill(-1);
    const pendingAcks: number[] = [];
    client.scanner.visit = (buf, firstByte, bodyStart) => {
      if (firstByte >> 4 !== PacketType.publish) return;
      received += 1;
      if (firstNs === 0) firstNs = client.chunkNs;
      lastNs = client.chunkNs;
      let payloadAt = bodyStart + 2 + buf.readUInt16BE(bodyStart);
      if ((firstByte & 0x06) !== 0) {
        pendingAcks.push(buf.readUInt16BE(payloadAt));
        payloadAt += 2;
      }
      const publisher = buf.readUInt32LE(payloadAt + PayloadField.publisher) % MAX_PUBLISHERS;
      const sequence = buf.readUInt32LE(payloadAt + PayloadField.sequence);
      if (sequence < lastSequence[publisher]!) outOfOrder += 1;
      else lastSequence[publisher] = sequence;
    };
    client.afterChunk = () => {
      if (pendingAcks.length > 0) client.socket.write(pubacks(pendingAcks));
      pendingAcks.length = 0;
      if (received >= expected) finish(false);
    };
    client.socket.on('close', () => {
      if (!outcome.done) errors += 1;
    });
  });

  return {
    go: () => {
      const goNs = nowNs();
      const deadline = setTimeout(() => finish(true), job.deadlineMs);
      // Messages a broker dropped never arrive: stop once the stream has been quiet for idleMs.
      const idleCheck = setInterval(() => {
        const quietSince = lastNs === 0 ? goNs : lastNs;
        if (nowNs() - quietSince > job.idleMs * 1e6) finish(false);
      }, IDLE_CHECK_MS);
      outcome.promise.finally(() => {
        clearTimeout(deadline);
        clearInterval(idleCheck);
      });
      if (expected === 0) finish(false);
      return outcome.promise;
    },
    stop: async () => {
      finish(true);
      for (const client of clients) client.close();
    },
  };
}
