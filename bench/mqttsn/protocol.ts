/**
 * The jobs the MQTT-SN benchmark's orchestrator (bench/mqttsn.ts) gives its load-generator processes
 * (bench/mqttsn/worker.ts), and their results; the messages around them are in common/channel.ts.
 */
import type { Qos01 } from '../common/channel.js';

export { nowNs, type Qos01 } from '../common/channel.js';

/** Which front end the publishers use: MQTT-SN over UDP, or this broker's own MQTT over TCP. */
export type PublishPath = 'mqttsn' | 'tcp';

/** As many messages as the gateway takes, with at most `window` sent and not yet received in all. */
export interface MaxLoad {
  readonly kind: 'max';
  readonly messages: number;
  readonly window: number;
}

/** A steady rate (messages per second over all publishers); latency is sampled after the warm-up. */
export interface RateLoad {
  readonly kind: 'rate';
  readonly rate: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/**
 * `publishers` clients (UDP sensors or TCP clients) publish to `bench/sn/<index>`; one MQTT
 * subscriber on TCP takes `bench/sn/#` at the same QoS. At QoS 1 every publisher keeps at most one
 * PUBLISH un-acknowledged, as MQTT-SN clients must (MQTT-SN §6.6); the TCP publishers do the same
 * so both front ends carry the same messages in the same shape.
 */
export interface FaninJob {
  readonly kind: 'fanin';
  readonly path: PublishPath;
  readonly mqttPort: number;
  readonly udpPort: number;
  readonly publishers: number;
  readonly qos: Qos01;
  readonly load: MaxLoad | RateLoad;
  readonly payloadSize: number;
  readonly idPrefix: string;
  readonly deadlineMs: number;
}

/** `clients` MQTT-SN CONNECTs through `forwarders` forwarder sockets (MQTT-SN §5.5), `inFlight` at once. */
export interface ConnectJob {
  readonly kind: 'connect';
  readonly udpPort: number;
  readonly clients: number;
  readonly forwarders: number;
  readonly inFlight: number;
  readonly keepAliveSeconds: number;
  readonly idPrefix: string;
  readonly deadlineMs: number;
}

export type Job = FaninJob | ConnectJob;

export interface LatencySummary {
  readonly samples: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

export interface FaninResult {
  readonly kind: 'fanin';
  readonly sent: number;
  readonly received: number;
  /** PUBACKs received by the publishers (QoS 1). */
  readonly acked: number;
  /** Messages acknowledged with a return code other than "accepted". */
  readonly refused: number;
  readonly firstSendNs: number;
  readonly lastArrivalNs: number;
  /** Rate mode: messages per second actually sent over the measured part. */
  readonly achievedRate: number;
  readonly latency: LatencySummary | null;
  readonly timedOut: boolean;
}

export interface ConnectResult {
  readonly kind: 'connect';
  readonly connected: number;
  readonly refused: number;
  /** CONNECTs sent again because no CONNACK came within the retry time (UDP drops them when full). */
  readonly retries: number;
  readonly startNs: number;
  readonly endNs: number;
  readonly timedOut: boolean;
}

export type JobResult = FaninResult | ConnectResult;
