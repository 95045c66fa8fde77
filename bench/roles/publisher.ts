/**
 * Publishers: QoS 0 as a pipelined blast (batches of pre-encoded PUBLISHes, paused only by socket
 * back-pressure), QoS 1 with a window of un-acknowledged messages per publisher, topped up once per
 * incoming chunk of PUBACKs.
 */
import { BenchClient } from '../client.js';
import { nowNs, type PublishJob, type PublishResult } from '../protocol.js';
import { fillPublishBatch, PacketType, type PublishTemplate, publishTemplate } from '../wire.js';
import { HANDSHAKE_TIMEOUT_MS, indices, OneShot, type Role } from './role.js';

export async function preparePublishers(job: PublishJob): Promise<Role> {
  const clients = await connectAll(job);
  const topics = indices(job.clients).map((i) =>
    job.topicPerClient ? `${job.topic}/${job.firstIndex + i}` : job.topic,
  );
  const templates = topics.map((topic) => publishTemplate(topic, job.payloadSize, job.qos));
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let clientsDone = 0;
  let startNs = 0;
  const outcome = new OneShot<PublishResult>();
  const finish = (timedOut: boolean): void =>
    outcome.settle(() => ({ kind: 'publish', sent, acked, startNs, endNs: nowNs(), errors, timedOut }));
  const clientDone = (): void => {
    clientsDone += 1;
    if (clientsDone === clients.length) finish(false);
  };

  const startQos0 = (client: BenchClient, template: PublishTemplate, publisher: number): void => {
    let own = 0;
    const pump = (): void => {
      while (own < job.messagesPerClient && !outcome.done) {
        const count = Math.min(job.batch, job.messagesPerClient - own);
        const batch = Buffer.allocUnsafe(count * template.bytes.length);
        fillPublishBatch(batch, template, count, publisher, own, 0);
        own += count;
        sent += count;
        const last = own === job.messagesPerClient;
        // QoS 0 is done for the publisher once the last byte is handed to the kernel.
        const accepted = client.socket.write(batch, last ? clientDone : undefined);
        if (!accepted && !last) {
          client.socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  };

  const startQos1 = (client: BenchClient, template: PublishTemplate, publisher: number): void => {
    let own = 0;
    let ownAcked = 0;
    let inFlight = 0;
    let nextPacketId = 1;
    const topUp = (): void => {
      const count = Math.min(job.window - inFlight, job.messagesPerClient - own);
      if (count <= 0 || outcome.done) return;
      const batch = Buffer.allocUnsafe(count * template.bytes.length);
      nextPacketId = fillPublishBatch(batch, template, count, publisher, own, nextPacketId);
      own += count;
      sent += count;
      inFlight += count;
      client.socket.write(batch);
    };
    client.scanner.visit = (_buf, firstByte) => {
      if (firstByte >> 4 !== PacketType.puback) return;
      ownAcked += 1;
      acked += 1;
      inFlight -= 1;
    };
    client.afterChunk = () => {
      if (ownAcked === job.messagesPerClient) {
        client.afterChunk = () => {};
        clientDone();
        return;
      }
      topUp();
    };
    topUp();
  };

  // A broker that closes every connection ends the run now rather than at the deadline.
  let closed = 0;
  for (const client of clients) {
    client.socket.on('close', () => {
      if (outcome.done) return;
      errors += 1;
      closed += 1;
      if (closed === clients.length) finish(false);
    });
  }

  return {
    go: () => {
      startNs = nowNs();
      const deadline = setTimeout(() => finish(true), job.deadlineMs);
      outcome.promise.finally(() => clearTimeout(deadline));
      clients.forEach((client, i) => {
        const template = templates[i]!;
        if (job.qos === 0) startQos0(client, template, job.firstIndex + i);
        else startQos1(client, template, job.firstIndex + i);
      });
      return outcome.promise;
    },
    stop: async () => {
      finish(true);
      for (const client of clients) client.close();
    },
  };
}

async function connectAll(job: PublishJob): Promise<BenchClient[]> {
  const settled = await Promise.allSettled(
    indices(job.clients).map((i) =>
      BenchClient.connect(job.port, `${job.clientIdPrefix}${job.firstIndex + i}`, HANDSHAKE_TIMEOUT_MS),
    ),
  );
  const clients = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure !== undefined) {
    for (const client of clients) client.close();
    throw failure.reason;
  }
  return clients;
}
