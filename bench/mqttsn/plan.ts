/** What the MQTT-SN benchmark runs: its options, scenarios and the job of each (scenario, variant). */
import { MAX_CLIENTS } from './gateway.js';
import type { ConnectJob, FaninJob, Job, PublishPath, Qos01 } from './protocol.js';

export const SCENARIOS = ['fanin-qos0', 'fanin-qos1', 'latency', 'clients'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Who makes the load: the raw-socket generator processes, or firmware-sim's sensors (issue 6). */
export const LOADS = ['generator', 'firmware-sim'] as const;
export type LoadName = (typeof LOADS)[number];

export interface Options {
  load: LoadName;
  scenario: ScenarioName[];
  runs: number;
  sensors: number;
  messages: number;
  window: number;
  payload: number;
  rate: number;
  duration: number;
  warmup: number;
  clients: number;
  forwarders: number;
  connectInFlight: number;
  timeout: number;
  json?: string;
}

function faninJob(
  options: Options,
  path: PublishPath,
  qos: Qos01,
  load: FaninJob['load'],
  id: string,
): FaninJob {
  return {
    kind: 'fanin',
    path,
    mqttPort: 0,
    udpPort: 0,
    publishers: options.sensors,
    qos,
    load,
    payloadSize: options.payload,
    idPrefix: id,
    deadlineMs: options.timeout * 1000,
  };
}

export interface Step {
  scenario: ScenarioName;
  variant: string;
  /** The jobs of one run, in order, against one gateway. */
  jobs: (id: string) => Job[];
}

/** Every (scenario, variant) pair, each with a function producing its job for one run. */
export function plan(options: Options): Step[] {
  const max = { kind: 'max', messages: options.messages, window: options.window } as const;
  const rate = {
    kind: 'rate',
    rate: options.rate,
    warmupMs: options.warmup * 1000,
    durationMs: options.duration * 1000,
  } as const;
  const steps: Step[] = [];
  for (const scenario of options.scenario) {
    if (scenario === 'fanin-qos0' || scenario === 'fanin-qos1') {
      const qos: Qos01 = scenario === 'fanin-qos0' ? 0 : 1;
      // QoS 1: the window is the publishers' one PUBLISH in flight each (MQTT-SN §6.6).
      const load = qos === 0 ? max : { ...max, window: Math.max(options.window, options.sensors) };
      for (const path of ['mqttsn', 'tcp'] as const) {
        steps.push({ scenario, variant: path, jobs: (id) => [faninJob(options, path, qos, load, id)] });
      }
    } else if (scenario === 'latency') {
      steps.push({
        scenario,
        variant: 'mqttsn-qos0',
        jobs: (id) => [faninJob(options, 'mqttsn', 0, rate, id)],
      });
      steps.push({ scenario, variant: 'tcp-qos0', jobs: (id) => [faninJob(options, 'tcp', 0, rate, id)] });
      steps.push({
        scenario,
        variant: 'mqttsn-qos1',
        jobs: (id) => [faninJob(options, 'mqttsn', 1, rate, id)],
      });
    } else {
      const connect = (idPrefix: string): ConnectJob => ({
        kind: 'connect',
        udpPort: 0,
        clients: options.clients,
        forwarders: options.forwarders,
        inFlight: options.connectInFlight,
        keepAliveSeconds: 3600,
        idPrefix,
        deadlineMs: options.timeout * 1000,
      });
      // A second batch of as many clients on top of the first gives the marginal memory per
      // client, free of what the process grows by once whatever its load (heap spaces, buffers).
      const twice = options.clients * 2 <= MAX_CLIENTS;
      steps.push({
        scenario,
        variant: 'mqttsn',
        jobs: (id) => (twice ? [connect(`${id}a`), connect(`${id}b`)] : [connect(`${id}a`)]),
      });
    }
  }
  return steps;
}
