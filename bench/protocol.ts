/**
 * The jobs the broker benchmark's orchestrator (run.ts) gives its load-generator processes
 * (worker.ts), and their results; the messages around them are in common/channel.ts.
 */
import type { Qos01 } from './common/channel.js';

export { nowNs, type Qos01 } from './common/channel.js';

/** N publishers on one generator process, each sending `messagesPerClient` messages. */
export interface PublishJob {
  readonly kind: 'publish';
  readonly port: number;
  readonly clients: number;
  /** Global index of this process's first publisher: it names client ids, topics and payload stamps. */
  readonly firstIndex: number;
  readonly clientIdPrefix: string;
  /** With `topicPerClient`, publisher i publishes to `${topic}/${i}`; otherwise all use `topic`. */
  readonly topic: string;
  readonly topicPerClient: boolean;
  readonly qos: Qos01;
  readonly messagesPerClient: number;
  readonly payloadSize: number;
  /** QoS 1 only: how many PUBLISHes a publisher may have un-acknowledged at once. */
  readonly window: number;
  /** QoS 0 only: how many packets go into one socket write. */
  readonly batch: number;
  readonly deadlineMs: number;
}

/** N subscribers on one generator process; each expects `expectedPerClient` messages. */
export interface SubscribeJob {
  readonly kind: 'subscribe';
  readonly port: number;
  readonly clients: number;
  readonly firstIndex: number;
  readonly clientIdPrefix: string;
  readonly filter: string;
  readonly qos: Qos01;
  readonly expectedPerClient: number;
  /** Stop waiting once nothing has arrived for this long (messages the broker dropped never come). */
  readonly idleMs: number;
  readonly deadlineMs: number;
}

/** One publisher and one subscriber at a steady rate; payloads carry the send time. */
export interface LatencyJob {
  readonly kind: 'latency';
  readonly port: number;
  readonly clientIdPrefix: string;
  readonly rate: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly payloadSize: number;
  readonly deadlineMs: number;
}

/** Open `connections` MQTT connections (CONNECT/CONNACK) and hold them until told to stop. */
export interface IdleJob {
  readonly kind: 'idle';
  readonly port: number;
  readonly connections: number;
  readonly concurrency: number;
  readonly clientIdPrefix: string;
  readonly deadlineMs: number;
}

export type Job = PublishJob | SubscribeJob | LatencyJob | IdleJob;

export interface PublishResult {
  readonly kind: 'publish';
  readonly sent: number;
  readonly acked: number;
  readonly startNs: number;
  readonly endNs: number;
  readonly errors: number;
  readonly timedOut: boolean;
}

export interface SubscribeResult {
  readonly kind: 'subscribe';
  readonly received: number;
  readonly firstNs: number;
  readonly lastNs: number;
  /** Messages from one publisher that arrived with a lower sequence number than one seen before. */
  readonly outOfOrder: number;
  readonly errors: number;
  readonly timedOut: boolean;
}

export interface LatencyResult {
  readonly kind: 'latency';
  readonly sent: number;
  readonly received: number;
  readonly samples: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
  /** Achieved send rate over the measured part, to show the generator kept the pace. */
  readonly achievedRate: number;
  readonly startNs: number;
  readonly endNs: number;
  readonly errors: number;
  readonly timedOut: boolean;
}

export interface IdleResult {
  readonly kind: 'idle';
  readonly connected: number;
  readonly failed: number;
  readonly startNs: number;
  readonly endNs: number;
  readonly timedOut: boolean;
}

export type JobResult = PublishResult | SubscribeResult | LatencyResult | IdleResult;
