/**
 * A fan-in run on one generator process: the TCP subscriber and every publisher live here, so the
 * publishers can be paced by what the subscriber has received (an end-to-end window) without
 * crossing processes. Two loads:
 *  - max: send as fast as the window allows until `messages` have been sent; QoS 0 keeps at most
 *    `window` messages sent and not yet received (UDP has no back-pressure: without a window the
 *    kernel would drop what the gateway cannot read yet, and the figure would be the drop rate);
 *    QoS 1 adds the one-outstanding-PUBLISH rule per publisher.
 *  - rate: a steady rate spread round-robin over the publishers; latency sampled after the warm-up.
 */
import { type FaninJob, type FaninResult, nowNs } from './protocol.js';
import { openPublishers, type Publisher } from './publishers.js';
import { OneShot, type Role } from './role.js';
import { CountingSubscriber, percentile } from './subscriber.js';

/** Stop waiting once nothing has arrived for this long (a message lost on the way never comes). */
const QUIET_MS = 2000;
const TICK_MS = 2;

export async function prepareFanin(job: FaninJob): Promise<Role> {
  const subscriber = await CountingSubscriber.start(
    job.mqttPort,
    `${job.idPrefix}sub`,
    'bench/sn/#',
    job.qos,
  );
  let publishers: Publisher[];
  try {
    publishers = await openPublishers({
      path: job.path,
      mqttPort: job.mqttPort,
      udpPort: job.udpPort,
      count: job.publishers,
      qos: job.qos,
      payloadSize: job.payloadSize,
      idPrefix: `${job.idPrefix}p`,
    });
  } catch (error) {
    subscriber.close();
    throw error;
  }
  const run = new FaninRun(job, subscriber, publishers);
  return {
    go: () => run.go(),
    stop: async () => {
      run.finish(true);
      subscriber.close();
      for (const publisher of publishers) publisher.close();
    },
  };
}

class FaninRun {
  private sent = 0;
  private acked = 0;
  private refused = 0;
  private firstSendNs = 0;
  private measuredFromNs = 0;
  private measuredSent = 0;
  private stopSendingAtNs = Number.POSITIVE_INFINITY;
  private readonly sequences: Uint32Array;
  /** Publishers free to send (QoS 0: all of them, round-robin; QoS 1: those without a PUBLISH in flight). */
  private readonly idle: number[];
  private idleHead = 0;
  private readonly outcome = new OneShot<FaninResult>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly job: FaninJob,
    private readonly subscriber: CountingSubscriber,
    private readonly publishers: Publisher[],
  ) {
    this.sequences = new Uint32Array(publishers.length);
    this.idle = publishers.map((_, i) => i);
    publishers.forEach((publisher, i) => {
      publisher.onAck = (returnCode) => {
        this.acked += 1;
        if (returnCode !== 0) this.refused += 1;
        this.idle.push(i);
        if (this.job.load.kind === 'max') this.pumpMax();
      };
    });
  }

  go(): Promise<FaninResult> {
    const load = this.job.load;
    const startNs = nowNs();
    this.firstSendNs = startNs;
    if (load.kind === 'max') {
      this.subscriber.onArrivals = () => this.pumpMax();
      this.pumpMax();
    } else {
      this.measuredFromNs = startNs + load.warmupMs * 1e6;
      this.stopSendingAtNs = this.measuredFromNs + load.durationMs * 1e6;
      this.subscriber.sampleFromNs = this.measuredFromNs;
      this.subscriber.sampleToNs = this.stopSendingAtNs;
      this.timers.push(setInterval(() => this.pumpRate(startNs, load.rate), TICK_MS));
    }
    this.timers.push(setTimeout(() => this.finish(true), this.job.deadlineMs));
    this.timers.push(setInterval(() => this.checkDone(), 50));
    return this.outcome.promise;
  }

  finish(timedOut: boolean): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.outcome.settle(() => this.result(timedOut));
  }

  private nextPublisher(): number | undefined {
    if (this.job.qos === 0) {
      const i = this.idleHead;
      this.idleHead = (i + 1) % this.publishers.length;
      return i;
    }
    return this.idle.shift();
  }

  private sendOne(): boolean {
    const i = this.nextPublisher();
    if (i === undefined) return false;
    const sequence = this.sequences[i] ?? 0;
    this.sequences[i] = sequence + 1;
    this.publishers[i]?.publish(sequence);
    this.sent += 1;
    return true;
  }

  private pumpMax(): void {
    const load = this.job.load;
    if (load.kind !== 'max' || this.outcome.done) return;
    while (this.sent < load.messages && this.sent - this.subscriber.received < load.window) {
      if (!this.sendOne()) return;
    }
  }

  private pumpRate(startNs: number, rate: number): void {
    const now = nowNs();
    if (now >= this.stopSendingAtNs) return;
    const due = Math.floor(((now - startNs) / 1e9) * rate);
    while (this.sent < due) {
      if (!this.sendOne()) return;
      if (now >= this.measuredFromNs) this.measuredSent += 1;
    }
  }

  private checkDone(): void {
    const load = this.job.load;
    const sendingOver = load.kind === 'max' ? this.sent >= load.messages : nowNs() >= this.stopSendingAtNs;
    const allIn = sendingOver && this.subscriber.received >= this.sent;
    if (allIn || this.subscriber.closedEarly || this.quietFor(QUIET_MS)) this.finish(false);
  }

  private quietFor(ms: number): boolean {
    const since = this.subscriber.lastArrivalNs === 0 ? this.firstSendNs : this.subscriber.lastArrivalNs;
    return nowNs() - since > ms * 1e6;
  }

  private result(timedOut: boolean): FaninResult {
    const load = this.job.load;
    const latencies = this.subscriber.latenciesUs.slice().sort((a, b) => a - b);
    const measuredSeconds = load.kind === 'rate' ? load.durationMs / 1000 : 0;
    return {
      kind: 'fanin',
      sent: this.sent,
      received: this.subscriber.received,
      acked: this.acked,
      refused: this.refused,
      firstSendNs: this.firstSendNs,
      lastArrivalNs: this.subscriber.lastArrivalNs,
      achievedRate: measuredSeconds > 0 ? this.measuredSent / measuredSeconds : 0,
      latency:
        latencies.length === 0
          ? null
          : {
              samples: latencies.length,
              p50Us: percentile(latencies, 50),
              p99Us: percentile(latencies, 99),
              maxUs: latencies[latencies.length - 1] ?? 0,
            },
      timedOut,
    };
  }
}
