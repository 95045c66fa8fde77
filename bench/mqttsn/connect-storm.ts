/**
 * Many MQTT-SN clients at once: CONNECTs relayed by a few forwarder sockets (MQTT-SN §5.5), each
 * wireless node id a client of its own at the gateway, `inFlight` CONNECTs outstanding over all.
 * Packets are built during preparation; the run only sends and counts. A CONNECT without CONNACK
 * after RETRY_MS is sent again (UDP: the gateway's receive buffer may overflow in a burst).
 */
import dgram from 'node:dgram';
import { type ConnectJob, type ConnectResult, nowNs } from './protocol.js';
import { OneShot, type Role } from './role.js';
import { connackReturnCode, connectPacket, encapsulate, replyType, SN, unwrap } from './sn-wire.js';

const RETRY_MS = 1000;
const NODE_IDS = 0x10000;

export async function prepareConnectStorm(job: ConnectJob): Promise<Role> {
  if (job.clients > job.forwarders * NODE_IDS) {
    throw new RangeError(
      `${job.clients} clients need more than ${job.forwarders} forwarders of 65,536 node ids`,
    );
  }
  const sockets = await Promise.all(
    Array.from({ length: job.forwarders }, async () => {
      const socket = dgram.createSocket('udp4');
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
      return socket;
    }),
  );
  // Client c goes through forwarder c % forwarders with node id floor(c / forwarders).
  const packets = Array.from({ length: job.clients }, (_, c) =>
    encapsulate(Math.floor(c / job.forwarders), connectPacket(`${job.idPrefix}${c}`, job.keepAliveSeconds)),
  );
  const storm = new ConnectStorm(job, sockets, packets);
  return {
    go: () => storm.go(),
    stop: async () => {
      storm.finish(true);
      for (const socket of sockets) socket.close();
    },
  };
}

class ConnectStorm {
  private next = 0;
  private connected = 0;
  private refused = 0;
  private retries = 0;
  private startNs = 0;
  private endNs = 0;
  /** Send time (ms) of each client's outstanding CONNECT; 0 once answered. */
  private readonly sentAt: Float64Array;
  private readonly outstanding = new Set<number>();
  private readonly outcome = new OneShot<ConnectResult>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly job: ConnectJob,
    private readonly sockets: dgram.Socket[],
    private readonly packets: Buffer[],
  ) {
    this.sentAt = new Float64Array(job.clients);
    sockets.forEach((socket, f) => {
      socket.on('message', (data) => this.onReply(f, data));
    });
  }

  go(): Promise<ConnectResult> {
    this.startNs = nowNs();
    this.fill();
    this.timers.push(setInterval(() => this.resendLate(), RETRY_MS / 4));
    this.timers.push(setTimeout(() => this.finish(true), this.job.deadlineMs));
    return this.outcome.promise;
  }

  finish(timedOut: boolean): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    if (this.endNs === 0) this.endNs = nowNs();
    this.outcome.settle(() => ({
      kind: 'connect',
      connected: this.connected,
      refused: this.refused,
      retries: this.retries,
      startNs: this.startNs,
      endNs: this.endNs,
      timedOut,
    }));
  }

  private send(client: number): void {
    this.sentAt[client] = Date.now();
    const socket = this.sockets[client % this.sockets.length];
    socket?.send(this.packets[client] ?? Buffer.alloc(0), this.job.udpPort, '127.0.0.1');
  }

  private fill(): void {
    while (this.outstanding.size < this.job.inFlight && this.next < this.job.clients) {
      const client = this.next++;
      this.outstanding.add(client);
      this.send(client);
    }
  }

  private onReply(forwarder: number, data: Buffer): void {
    const wrapped = unwrap(data);
    if (wrapped === null || replyType(wrapped.inner) !== SN.CONNACK) return;
    const client = wrapped.nodeId * this.sockets.length + forwarder;
    if (!this.outstanding.delete(client)) return; // a duplicate CONNACK after a resend
    if (connackReturnCode(wrapped.inner) === 0) this.connected += 1;
    else this.refused += 1;
    if (this.connected + this.refused >= this.job.clients) {
      this.endNs = nowNs();
      this.finish(false);
      return;
    }
    this.fill();
  }

  private resendLate(): void {
    const late = Date.now() - RETRY_MS;
    for (const client of this.outstanding) {
      if ((this.sentAt[client] ?? 0) > late) continue;
      this.retries += 1;
      this.send(client);
    }
  }
}
