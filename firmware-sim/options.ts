/**
 * Options of a simulator run, as the library takes them (`runFleet`) and as the CLI and scenario
 * files produce them. A run has one transport and one or more fleets (groups of alike sensors);
 * every fleet option has a default, so `{ transport, fleets: [{ sensors: 10 }] }` is a valid run.
 */
import type { PublishQoS } from '../src/codec/mqttsn/index.js';
import type { Logger } from '../src/observe/logger.js';
import type { SerialFraming } from './links/serial.js';

export type TransportOptions =
  /** One UDP socket per sensor, spread over `sourceAddresses` (default: the unspecified address). */
  | { readonly kind: 'udp'; readonly gateway: string; readonly sourceAddresses?: readonly string[] }
  /** One UDP socket; every sensor a wireless node behind a simulated forwarder (MQTT-SN §5.5). */
  | { readonly kind: 'forwarder'; readonly gateway: string; readonly sourceAddress?: string }
  /** A serial line; several sensors share raw framing through forwarder encapsulation. */
  | {
      readonly kind: 'serial';
      readonly path: string;
      readonly framing: SerialFraming;
      readonly baudRate?: number;
      readonly forwarder?: boolean;
    };

export interface FleetSpec {
  /** Number of sensors in this fleet. */
  sensors: number;
  /** ClientIds are `<idPrefix><n>`, n from 1; prefixes must differ between fleets. */
  idPrefix: string;
  qos: PublishQoS;
  /** Reading topic template; `{id}` is the ClientId. Registered (§6.5) unless predefined/short is set. */
  topic: string;
  /** Publish readings on this predefined topic id instead (§6.7). */
  predefined: number | undefined;
  /** Publish readings on this 2-character short topic name instead (§6.7). */
  short: string | undefined;
  /** Command topic template (subscribed at QoS 1). */
  commandTopic: string;
  /** Battery level topic template, published every `batteryEvery` readings (0: never). */
  batteryTopic: string;
  batteryEvery: number;
  /** Seconds between readings. */
  interval: number;
  /** Sleep duration, seconds (0: the sensor never sleeps). */
  sleep: number;
  /** Keep-alive, seconds (0: none). */
  keepAlive: number;
  clean: boolean;
  /** Give the gateway a will: `<willTopic>` = "offline", QoS 1, retained. */
  will: boolean;
  willTopic: string;
  /** Find the gateway with SEARCHGW (§6.1). */
  discover: boolean;
  /** Readings per sensor; undefined: until the run ends. */
  count: number | undefined;
  /** T_retry (s), N_retry, T_WAIT (s) (§6.13, §7.2). */
  tRetry: number;
  nRetry: number;
  tWait: number;
  /** Sensors power on spread over this many seconds (avoids a connect storm). */
  ramp: number;
  batteryMah: number;
}

export interface RunOptions {
  transport: TransportOptions;
  fleets: ReadonlyArray<Partial<FleetSpec>>;
  /** Simulated radio loss, percent, both directions (seeded). */
  loss?: number;
  seed?: number;
  /** Seconds to run; undefined: until every sensor has sent `count` readings, or `stop()`. */
  duration?: number;
  /** After the end, seconds allowed for in-flight exchanges and the final DISCONNECTs. */
  drain?: number;
  logger?: Logger;
  /** Every PUBLISH a sensor accepted from the gateway. */
  onMessage?(clientId: string, topic: string, payload: Buffer): void;
}

export const DEFAULT_FLEET: FleetSpec = {
  sensors: 1,
  idPrefix: 'sensor-',
  qos: 1,
  topic: 'sensors/{id}/temperature',
  predefined: undefined,
  short: undefined,
  commandTopic: 'sensors/{id}/cmd',
  batteryTopic: 'sensors/{id}/battery',
  batteryEvery: 10,
  interval: 10,
  sleep: 0,
  keepAlive: 60,
  clean: true,
  will: false,
  willTopic: 'sensors/{id}/status',
  discover: false,
  count: undefined,
  tRetry: 10,
  nRetry: 3,
  tWait: 10,
  ramp: 1,
  batteryMah: 2500,
};

export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

/** Fills defaults and checks one fleet; errors name the fleet and the option. */
export function resolveFleet(partial: Partial<FleetSpec>, label: string): FleetSpec {
  const spec: FleetSpec = { ...DEFAULT_FLEET };
  for (const [key, value] of Object.entries(partial) as [keyof FleetSpec, unknown][]) {
    if (value !== undefined) (spec as unknown as Record<string, unknown>)[key] = value;
  }
  const fail = (message: string): never => {
    throw new OptionsError(`${label}: ${message}`);
  };
  if (!Number.isInteger(spec.sensors) || spec.sensors < 1) fail(`sensors must be a whole number ≥ 1`);
  if (![-1, 0, 1, 2].includes(spec.qos)) fail(`qos must be -1, 0, 1 or 2`);
  if (spec.predefined !== undefined && spec.short !== undefined) fail('give predefined or short, not both');
  if (
    spec.predefined !== undefined &&
    !(Number.isInteger(spec.predefined) && spec.predefined > 0 && spec.predefined <= 0xffff)
  ) {
    fail('predefined topic id must be 1..65535');
  }
  if (spec.short !== undefined && Buffer.byteLength(spec.short) !== 2)
    fail('a short topic name is exactly 2 octets (§6.7)');
  if (spec.qos === -1 && spec.predefined === undefined && spec.short === undefined) {
    fail('QoS -1 needs a predefined topic id or a short topic name (MQTT-SN §6.8)');
  }
  if (!(spec.interval > 0)) fail('interval must be > 0 seconds');
  if (!(Number.isInteger(spec.sleep) && spec.sleep >= 0 && spec.sleep <= 0xffff))
    fail('sleep must be 0..65535 s');
  if (!(Number.isInteger(spec.keepAlive) && spec.keepAlive >= 0 && spec.keepAlive <= 0xffff)) {
    fail('keep-alive must be 0..65535 s');
  }
  if (spec.count !== undefined && !(Number.isInteger(spec.count) && spec.count >= 0))
    fail('count must be ≥ 0');
  if (!(spec.tRetry > 0)) fail('T_retry must be > 0 s');
  if (!(Number.isInteger(spec.nRetry) && spec.nRetry >= 0)) fail('N_retry must be a whole number ≥ 0');
  if (!(spec.tWait >= 0) || !(spec.ramp >= 0) || !(spec.batteryMah > 0))
    fail('tWait, ramp ≥ 0 and batteryMah > 0');
  if (!(Number.isInteger(spec.batteryEvery) && spec.batteryEvery >= 0)) fail('batteryEvery must be ≥ 0');
  if (`${spec.idPrefix}${spec.sensors}`.length > 23) {
    fail(`ClientId '${spec.idPrefix}${spec.sensors}' is longer than 23 characters (MQTT-SN §5.3.1)`);
  }
  return spec;
}

export function resolveFleets(fleets: ReadonlyArray<Partial<FleetSpec>>): FleetSpec[] {
  if (fleets.length === 0) throw new OptionsError('no fleet to run');
  const resolved = fleets.map((fleet, i) =>
    resolveFleet(fleet, fleets.length > 1 ? `fleet ${i + 1}` : 'options'),
  );
  const prefixes = new Set<string>();
  for (const fleet of resolved) {
    if (prefixes.has(fleet.idPrefix)) {
      throw new OptionsError(`two fleets use the id prefix '${fleet.idPrefix}': give each its own idPrefix`);
    }
    prefixes.add(fleet.idPrefix);
  }
  return resolved;
}
