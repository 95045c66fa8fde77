/**
 * A run: one network, one scheduler, many sensors. `startFleet` powers the sensors on and returns a
 * handle (tests use it to look at sensors while they run); `runFleet` waits for the end and returns
 * the summary. The run ends after `duration`, when every sensor has sent its `count` readings, or
 * on `stop()`; then sensors finish what is in flight and DISCONNECT, within the drain time.
 */

import { silentLogger } from '../src/observe/logger.js';
import { addEnergy } from './battery.js';
import { createLossModel } from './links/loss.js';
import type { Network } from './links/types.js';
import { openNetwork } from './network.js';
import { type FleetSpec, type RunOptions, resolveFleets } from './options.js';
import { createRandom } from './prng.js';
import { Scheduler } from './scheduler.js';
import { Sensor } from './sensor.js';
import type { SensorConfig, TopicChoice } from './sensor-config.js';
import { expandTemplate } from './sensor-config.js';
import type { SensorStateKind } from './sensor-state.js';
import { GroupStats, groupKey } from './stats.js';
import { buildSummary, type Summary } from './summary.js';

/** Sensors attached to the network in batches, so that 10,000 socket binds do not all queue at once. */
const ATTACH_BATCH = 500;

export interface Fleet {
  readonly sensors: readonly Sensor[];
  readonly network: Network;
  readonly groups: readonly GroupStats[];
  readonly startedAt: number;
  /** The sensor with this ClientId. */
  sensor(clientId: string): Sensor | undefined;
  /** Sensors per state right now. */
  states(): Partial<Record<SensorStateKind, number>>;
  /** Ends the run (idempotent); resolves with the summary. */
  stop(): Promise<Summary>;
  /** Resolves with the summary when the run has ended, however it ended. */
  readonly done: Promise<Summary>;
}

function topicChoice(spec: FleetSpec, clientId: string): TopicChoice {
  if (spec.predefined !== undefined) return { kind: 'predefined', id: spec.predefined };
  if (spec.short !== undefined) return { kind: 'short', name: spec.short };
  return { kind: 'name', name: expandTemplate(spec.topic, clientId) };
}

function sensorConfig(spec: FleetSpec, n: number, startDelayMs: number): SensorConfig {
  const clientId = `${spec.idPrefix}${n}`;
  return {
    clientId,
    qos: spec.qos,
    topic: topicChoice(spec, clientId),
    commandTopic: expandTemplate(spec.commandTopic, clientId),
    batteryTopic: spec.batteryEvery > 0 ? expandTemplate(spec.batteryTopic, clientId) : undefined,
    batteryEvery: spec.batteryEvery,
    intervalSeconds: spec.interval,
    sleepSeconds: spec.sleep,
    keepAliveSeconds: spec.keepAlive,
    cleanSession: spec.clean,
    will: spec.will
      ? { topic: expandTemplate(spec.willTopic, clientId), message: 'offline', qos: 1, retain: true }
      : undefined,
    discover: spec.discover,
    tRetrySeconds: spec.tRetry,
    nRetry: spec.nRetry,
    tWaitSeconds: spec.tWait,
    count: spec.count,
    startDelayMs,
    batteryMah: spec.batteryMah,
  };
}

export async function startFleet(options: RunOptions): Promise<Fleet> {
  const specs = resolveFleets(options.fleets);
  const logger = options.logger ?? silentLogger;
  const seed = options.seed ?? 1;
  const lossPercent = options.loss ?? 0;
  if (!(lossPercent >= 0 && lossPercent <= 100)) throw new RangeError('loss must be 0..100 percent');
  const random = createRandom(seed);
  const totalSensors = specs.reduce((sum, spec) => sum + spec.sensors, 0);
  const network = await openNetwork(
    options.transport,
    totalSensors,
    createLossModel(lossPercent, random.fork(-1)),
    logger,
  );
  const scheduler = new Scheduler();
  scheduler.onError = (error) =>
    logger.error(`simulator timer failed: ${(error as Error).stack ?? String(error)}`);

  const groups = new Map<string, GroupStats>();
  const sensors: Sensor[] = [];
  const byId = new Map<string, Sensor>();
  let unfinished = 0;
  let endRun: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    endRun = resolve;
  });
  // With `count` on every fleet the run ends when all sensors are done (or at `duration`, if sooner).
  const allCounted = specs.every((spec) => spec.count !== undefined);
  const hooks = {
    onMessage: options.onMessage,
    onFinished: () => {
      unfinished--;
      if (unfinished === 0 && allCounted) endRun();
    },
  };
  for (const spec of specs) {
    const key = groupKey(spec.qos, spec.sleep);
    let group = groups.get(key);
    if (!group) {
      group = new GroupStats(spec.qos, spec.sleep);
      groups.set(key, group);
    }
    for (let n = 1; n <= spec.sensors; n++) {
      const index = sensors.length;
      const sensorRandom = random.fork(index);
      const startDelayMs = spec.ramp * 1000 * sensorRandom.next();
      const sensor = new Sensor(
        sensorConfig(spec, n, startDelayMs),
        scheduler,
        group,
        sensorRandom,
        logger,
        hooks,
      );
      group.sensors++;
      sensors.push(sensor);
      byId.set(sensor.clientId, sensor);
      if (spec.count !== undefined) unfinished++;
    }
  }

  try {
    for (let from = 0; from < sensors.length; from += ATTACH_BATCH) {
      const batch = sensors.slice(from, from + ATTACH_BATCH);
      const links = await Promise.all(
        batch.map((sensor, i) => network.attach(from + i, (data, origin) => sensor.receive(data, origin))),
      );
      batch.forEach((sensor, i) => {
        sensor.start(links[i]!);
      });
    }
  } catch (error) {
    scheduler.close();
    await network.close();
    throw error;
  }
  const startedAt = scheduler.now();
  if (options.duration !== undefined) scheduler.after(options.duration * 1000, endRun);
  if (allCounted && unfinished === 0) endRun();

  const states = (): Partial<Record<SensorStateKind, number>> => {
    const counts: Partial<Record<SensorStateKind, number>> = {};
    for (const sensor of sensors) counts[sensor.state.kind] = (counts[sensor.state.kind] ?? 0) + 1;
    return counts;
  };

  let finishing: Promise<Summary> | undefined;
  const finish = (): Promise<Summary> => {
    finishing ??= (async () => {
      const drainMs = (options.drain ?? defaultDrainSeconds(specs)) * 1000;
      const stopped = Promise.all(sensors.map((sensor) => sensor.stop()));
      let drainTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        stopped,
        new Promise<void>((resolve) => (drainTimer = setTimeout(resolve, drainMs))),
      ]);
      clearTimeout(drainTimer);
      const finalStates = states();
      for (const sensor of sensors) sensor.forceStop();
      const elapsedSeconds = (scheduler.now() - startedAt) / 1000;
      scheduler.close();
      await network.close();
      for (const sensor of sensors) addEnergy(sensor.stats.energy, sensor.battery.energy);
      return buildSummary(
        {
          transport: network.name,
          seed,
          lossPercent,
          sensors: sensors.length,
          elapsedSeconds,
          network: { ...network.counters },
          states: finalStates,
        },
        [...groups.values()],
      );
    })();
    return finishing;
  };
  const done = ended.then(finish);

  return {
    sensors,
    network,
    groups: [...groups.values()],
    startedAt,
    sensor: (clientId) => byId.get(clientId),
    states,
    stop: () => {
      endRun();
      return done;
    },
    done,
  };
}

/** Enough for one T_retry round of every fleet, at least 2 s and at most 15 s. */
function defaultDrainSeconds(specs: readonly FleetSpec[]): number {
  const longest = Math.max(...specs.map((spec) => spec.tRetry * (spec.nRetry + 1)));
  return Math.min(15, Math.max(2, longest));
}

/** Runs a fleet to the end and returns the summary (the library entry point for benchmarks). */
export async function runFleet(options: RunOptions): Promise<Summary> {
  const fleet = await startFleet(options);
  return fleet.done;
}
