/**
 * The firmware-sim command line (commander) and its translation into RunOptions.
 * Options left out take the library defaults (options.ts DEFAULT_FLEET), and with --scenario the
 * options given here are the defaults of every fleet in the file.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { SerialFraming } from './links/serial.js';
import { parseSourceAddresses } from './links/udp.js';
import { type FleetSpec, OptionsError, type RunOptions, type TransportOptions } from './options.js';
import { loadScenario } from './scenario.js';

export interface SimCliOptions {
  udp?: string;
  serial?: string;
  framing?: SerialFraming;
  baud?: number;
  discover?: boolean;
  forwarder?: boolean;
  sourceAddresses?: string;
  sensors?: number;
  interval?: number;
  qos?: number;
  topic?: string;
  predefined?: number;
  short?: string;
  sleep?: number;
  keepalive?: number;
  clean?: boolean;
  will?: boolean;
  loss?: number;
  duration?: number;
  count?: number;
  seed?: number;
  idPrefix?: string;
  batteryEvery?: number;
  tRetry?: number;
  nRetry?: number;
  ramp?: number;
  drain?: number;
  scenario?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

/** Where SEARCHGW goes when --discover is given without --udp (MQTT-SN §6.1: a broadcast). */
export const DEFAULT_DISCOVERY_ADDRESS = '255.255.255.255:1883';

function numberArgument(min: number, max: number, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (
      value.trim() === '' ||
      !Number.isFinite(n) ||
      n < min ||
      n > max ||
      (integer && !Number.isInteger(n))
    ) {
      throw new InvalidArgumentError(
        `expected ${integer ? 'a whole number' : 'a number'} in ${min}..${max}.`,
      );
    }
    return n;
  };
}

function qosArgument(value: string): number {
  if (!['-1', '0', '1', '2'].includes(value.trim()))
    throw new InvalidArgumentError('expected -1, 0, 1 or 2.');
  return Number(value);
}

export function buildSimCommand(version: string): Command {
  const seconds = numberArgument(0, 7 * 86_400, false);
  return new Command('firmware-sim')
    .description(
      'Simulated battery sensors speaking MQTT-SN v1.2 to a gateway over UDP or a serial line.\n' +
        'Example: firmware-sim --udp 127.0.0.1:1884 --sensors 200 --sleep 30 --qos 1',
    )
    .option('--udp <host:port>', 'the gateway (UDP); with --discover, where SEARCHGW is sent')
    .option('--serial <device>', 'the gateway behind a serial line (e.g. a socat pty)')
    .addOption(new Option('--framing <framing>', 'serial framing').choices(['raw', 'xbee-api1', 'xbee-api2']))
    .option('--baud <n>', 'serial speed (default 115200)', numberArgument(50, 4_000_000, true))
    .option('--discover', 'find the gateway with SEARCHGW → GWINFO (MQTT-SN §6.1)')
    .option('--forwarder', 'sensors behind one simulated forwarder (MQTT-SN §5.5): one socket, node ids')
    .option(
      '--source-addresses <list|N>',
      'UDP: bind sensors round-robin to these addresses, or N loopback ones (127.0.0.2…)',
    )
    .option('--sensors <n>', 'number of sensors (default 1)', numberArgument(1, 1_000_000, true))
    .option('--interval <s>', 'seconds between readings (default 10)', seconds)
    .option('--qos <qos>', 'QoS of readings: -1, 0, 1 or 2 (default 1)', qosArgument)
    .option('--topic <template>', "reading topic, {id} = ClientId (default 'sensors/{id}/temperature')")
    .option(
      '--predefined <id>',
      'publish readings on this predefined topic id (§6.7)',
      numberArgument(1, 65_535, true),
    )
    .option('--short <name>', 'publish readings on this 2-character short topic name (§6.7)')
    .option(
      '--sleep <s>',
      'sleep this long between reports (DISCONNECT with duration, §6.14)',
      numberArgument(0, 65_535, true),
    )
    .option('--keepalive <s>', 'keep-alive in CONNECT (default 60)', numberArgument(0, 65_535, true))
    .option('--clean', 'CleanSession=1 in CONNECT (default)')
    .option('--no-clean', 'CleanSession=0: the gateway keeps subscriptions and topic ids')
    .option('--will', "give the gateway a will: 'offline' on sensors/{id}/status, QoS 1, retained")
    .option(
      '--loss <percent>',
      'simulated radio loss in both directions (seeded)',
      numberArgument(0, 100, false),
    )
    .option('--duration <s>', 'run this long', seconds)
    .option('--count <n>', 'readings per sensor, then stop', numberArgument(0, 1e9, true))
    .option(
      '--seed <n>',
      'PRNG seed: the same seed gives the same readings, offsets and losses (default 1)',
      numberArgument(0, 2 ** 32 - 1, true),
    )
    .option('--id-prefix <prefix>', "ClientId prefix (default 'sensor-')")
    .option(
      '--battery-every <n>',
      'publish the battery level every n readings, 0 = never (default 10)',
      numberArgument(0, 1e6, true),
    )
    .option('--t-retry <s>', 'T_retry (default 10, MQTT-SN §7.2)', numberArgument(0.001, 3600, false))
    .option('--n-retry <n>', 'N_retry (default 3)', numberArgument(0, 100, true))
    .option('--ramp <s>', 'spread sensor start-up over this many seconds (default 1)', seconds)
    .option('--drain <s>', 'at the end, time allowed for in-flight messages and DISCONNECTs', seconds)
    .option('--scenario <file>', 'JSON list of fleets with their own options (mixed fleets)')
    .option('--json', 'print the summary as JSON on stdout')
    .option('-v, --verbose', 'log what sensors do (debug)')
    .option('-q, --quiet', 'no progress lines')
    .version(version, '-V, --version', 'print the version and exit')
    .allowExcessArguments(false);
}

function transportFrom(options: SimCliOptions): TransportOptions {
  const chosen = [options.udp !== undefined || options.discover, options.serial !== undefined].filter(
    Boolean,
  );
  if (chosen.length === 0)
    throw new OptionsError('say where the gateway is: --udp host:port, --serial DEVICE or --discover');
  if (chosen.length > 1) throw new OptionsError('--serial cannot be combined with --udp/--discover');
  if (options.serial !== undefined) {
    if (options.framing === undefined)
      throw new OptionsError('--serial needs --framing raw|xbee-api1|xbee-api2');
    return {
      kind: 'serial',
      path: options.serial,
      framing: options.framing,
      baudRate: options.baud,
      forwarder: options.forwarder,
    };
  }
  if (options.framing !== undefined || options.baud !== undefined) {
    throw new OptionsError('--framing and --baud go with --serial');
  }
  const gateway = options.udp ?? DEFAULT_DISCOVERY_ADDRESS;
  const sources =
    options.sourceAddresses === undefined ? undefined : parseSourceAddresses(options.sourceAddresses);
  if (options.forwarder) return { kind: 'forwarder', gateway, sourceAddress: sources?.[0] };
  return { kind: 'udp', gateway, sourceAddresses: sources };
}

function fleetDefaultsFrom(options: SimCliOptions): Partial<FleetSpec> {
  return {
    sensors: options.sensors,
    interval: options.interval,
    qos: options.qos as FleetSpec['qos'] | undefined,
    topic: options.topic,
    predefined: options.predefined,
    short: options.short,
    sleep: options.sleep,
    keepAlive: options.keepalive,
    clean: options.clean,
    will: options.will,
    discover: options.discover,
    count: options.count,
    idPrefix: options.idPrefix,
    batteryEvery: options.batteryEvery,
    tRetry: options.tRetry,
    nRetry: options.nRetry,
    ramp: options.ramp,
  };
}

/** Turns parsed options into a run (without logger/hooks, which the CLI adds). */
export function runOptionsFrom(options: SimCliOptions): RunOptions {
  const defaults = fleetDefaultsFrom(options);
  const scenario = options.scenario === undefined ? undefined : loadScenario(options.scenario);
  // Fleets without their own prefix get a numbered one, so that ClientIds never collide.
  const fleets = scenario?.map((fleet, i) => ({
    ...defaults,
    ...fleet,
    idPrefix:
      fleet.idPrefix ?? (scenario.length > 1 ? `${defaults.idPrefix ?? 's'}${i + 1}-` : defaults.idPrefix),
  })) ?? [defaults];
  return {
    transport: transportFrom(options),
    fleets,
    loss: options.loss,
    seed: options.seed,
    duration: options.duration,
    drain: options.drain,
  };
}
