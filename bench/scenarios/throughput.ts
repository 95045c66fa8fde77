/**
 * Throughput scenarios: fan-in at QoS 0 and QoS 1 (N publishers → 1 subscriber) and fan-out at QoS 0
 * (1 publisher → N subscribers). The rate is messages received by the subscribers divided by the time
 * from the first publish to the last arrival — what the broker delivered, not what was offered.
 */

import { readPeakRssKb } from '../procstat.js';
import type { Job, PublishJob, Qos01, SubscribeJob } from '../protocol.js';
import { cpuShare, type GeneratorRun, generatorBottleneckNote, runGenerators, shares } from './harness.js';
import {
  type LoadOptions,
  PEAK_MEMORY,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
  THROUGHPUT_TARGET,
} from './types.js';

const WRITE_BATCH = 64;
/** QoS 0 messages a broker dropped never arrive; a subscriber gives up after this much silence. */
const SUBSCRIBER_IDLE_MS = 2_000;

function tuning(load: LoadOptions) {
  return { noDelay: false, queueLimit: Math.max(100_000, load.faninMessages, load.fanoutMessages) };
}

function publishJobs(
  context: ScenarioContext,
  processes: number,
  publishers: number,
  messagesPerClient: number,
  qos: Qos01,
  topic: string,
  topicPerClient: boolean,
): PublishJob[] {
  return shares(publishers, processes).map(
    ({ clients, firstIndex }): PublishJob => ({
      kind: 'publish',
      port: context.broker.port,
      clients,
      firstIndex,
      clientIdPrefix: `${context.idPrefix}pub`,
      topic,
      topicPerClient,
      qos,
      messagesPerClient,
      payloadSize: context.load.payloadSize,
      window: context.load.window,
      batch: WRITE_BATCH,
      deadlineMs: context.load.timeoutSeconds * 1000,
    }),
  );
}

function subscribeJobs(
  context: ScenarioContext,
  processes: number,
  subscribers: number,
  expectedPerClient: number,
  qos: Qos01,
  filter: string,
): SubscribeJob[] {
  return shares(subscribers, processes).map(
    ({ clients, firstIndex }): SubscribeJob => ({
      kind: 'subscribe',
      port: context.broker.port,
      clients,
      firstIndex,
      clientIdPrefix: `${context.idPrefix}sub`,
      filter,
      qos,
      expectedPerClient,
      idleMs: SUBSCRIBER_IDLE_MS,
      deadlineMs: context.load.timeoutSeconds * 1000,
    }),
  );
}

function summarise(
  context: ScenarioContext,
  run: GeneratorRun,
  metricKey: string,
  expected: number,
): ScenarioOutcome {
  const notes = [...run.failures];
  let received = 0;
  let outOfOrder = 0;
  let lastNs = 0;
  let startNs = Number.POSITIVE_INFINITY;
  let errors = 0;
  let timedOut = false;
  let publishersDone = 0;
  let subscribersDone = 0;
  for (const { result } of run.measured) {
    if (result.kind === 'subscribe') {
      subscribersDone += 1;
      received += result.received;
      outOfOrder += result.outOfOrder;
      lastNs = Math.max(lastNs, result.lastNs);
      errors += result.errors;
      timedOut ||= result.timedOut;
    } else if (result.kind === 'publish') {
      publishersDone += 1;
      startNs = Math.min(startNs, result.startNs);
      errors += result.errors;
      timedOut ||= result.timedOut;
    }
  }
  if (received < expected) notes.push(`received ${received} of ${expected} (${expected - received} lost)`);
  if (outOfOrder > 0) notes.push(`${outOfOrder} messages out of order`);
  if (errors > 0) notes.push(`${errors} connections closed during the run`);
  if (timedOut) notes.push(`stopped at the ${context.load.timeoutSeconds} s limit`);
  if (!context.broker.running) notes.push(`broker ${context.broker.exitReason}`);
  // A run where the broker died or dropped connections has no figure, only its notes.
  const intact = context.broker.running && errors === 0;
  const measurable = intact && publishersDone > 0 && subscribersDone > 0 && received > 0 && lastNs > startNs;
  const bottleneck = measurable ? generatorBottleneckNote(run, startNs, lastNs) : null;
  if (bottleneck !== null) notes.push(bottleneck);
  const rate = measurable ? received / ((lastNs - startNs) / 1e9) : null;
  return {
    metrics: { [metricKey]: rate, [PEAK_MEMORY.key]: peakRssMb(context) },
    generatorCpu: measurable ? cpuShare(run.generatorCpuSeconds, startNs, lastNs) : null,
    brokerCpu: measurable ? cpuShare(run.sampler.secondsBetween(startNs, lastNs), startNs, lastNs) : null,
    notes,
  };
}

function peakRssMb(context: ScenarioContext): number | null {
  try {
    return readPeakRssKb(context.broker.pid) / 1024;
  } catch {
    return null;
  }
}

function fanIn(qos: Qos01): Scenario['run'] {
  return async (context) => {
    const { load } = context;
    const perPublisher = Math.ceil(load.faninMessages / load.publishers);
    const expected = perPublisher * load.publishers;
    const subscriberProcesses = 1;
    const publisherProcesses = Math.max(1, load.generatorProcesses - subscriberProcesses);
    const jobs: Job[] = [
      ...subscribeJobs(context, subscriberProcesses, 1, expected, qos, 'bench/fanin/+'),
      ...publishJobs(context, publisherProcesses, load.publishers, perPublisher, qos, 'bench/fanin', true),
    ];
    const run = await runGenerators(context, jobs);
    return summarise(context, run, 'msgs_per_s', expected);
  };
}

const fanOut: Scenario['run'] = async (context) => {
  const { load } = context;
  const publisherProcesses = 1;
  const subscriberProcesses = Math.max(1, load.generatorProcesses - publisherProcesses);
  const jobs: Job[] = [
    ...subscribeJobs(context, subscriberProcesses, load.subscribers, load.fanoutMessages, 0, 'bench/fanout'),
    ...publishJobs(context, publisherProcesses, 1, load.fanoutMessages, 0, 'bench/fanout', false),
  ];
  const run = await runGenerators(context, jobs);
  return summarise(context, run, 'deliveries_per_s', load.subscribers * load.fanoutMessages);
};

export const faninQos0: Scenario = {
  name: 'fanin-qos0',
  description: 'N publishers → 1 subscriber, QoS 0: messages received per second',
  metrics: [
    { key: 'msgs_per_s', label: 'msg/s', unit: 'msg/s', digits: 0, target: THROUGHPUT_TARGET },
    PEAK_MEMORY,
  ],
  tuning,
  run: fanIn(0),
};

export const faninQos1: Scenario = {
  name: 'fanin-qos1',
  description: 'N publishers → 1 subscriber, QoS 1, window of un-acked messages per publisher: msg/s',
  metrics: [
    { key: 'msgs_per_s', label: 'msg/s', unit: 'msg/s', digits: 0, target: THROUGHPUT_TARGET },
    PEAK_MEMORY,
  ],
  tuning,
  run: fanIn(1),
};

export const fanoutQos0: Scenario = {
  name: 'fanout-qos0',
  description: '1 publisher → N subscribers, QoS 0: deliveries per second',
  metrics: [
    {
      key: 'deliveries_per_s',
      label: 'deliveries/s',
      unit: 'deliveries/s',
      digits: 0,
      target: THROUGHPUT_TARGET,
    },
    PEAK_MEMORY,
  ],
  tuning,
  run: fanOut,
};
