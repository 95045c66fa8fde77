/**
 * firmware-sim as a library: benchmarks and tests drive it in-process.
 *   const summary = await runFleet({ transport: { kind: 'udp', gateway: '127.0.0.1:1884' },
 *                                    fleets: [{ sensors: 100, qos: 1, count: 10 }] });
 *   const fleet = await startFleet(options); …; const summary = await fleet.stop();
 */
export { ENERGY_MODEL } from './battery.js';
export { type Fleet, runFleet, startFleet } from './fleet.js';
export {
  DEFAULT_FLEET,
  type FleetSpec,
  OptionsError,
  type RunOptions,
  type TransportOptions,
} from './options.js';
export type { Sensor } from './sensor.js';
export type { SensorState, SensorStateKind } from './sensor-state.js';
export type { SensorCounters } from './stats.js';
export { formatSummary, type GroupSummary, type Latency, type Summary } from './summary.js';
