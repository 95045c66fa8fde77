import { idleConnections } from './idle.js';
import { latency } from './latency.js';
import { faninQos0, faninQos1, fanoutQos0 } from './throughput.js';
import type { Scenario, ScenarioName } from './types.js';

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  'fanin-qos0': faninQos0,
  'fanout-qos0': fanoutQos0,
  'fanin-qos1': faninQos1,
  latency,
  'idle-conns': idleConnections,
};
