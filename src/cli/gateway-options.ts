/**
 * The mqttsn-gateway command line: which config file, and the few settings worth overriding
 * without editing it (like mosquitto's -c, -v and -p).
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { defaultGatewayConfig, loadGatewayConfig } from '../config/load.js';
import { udpOnAllAddresses } from '../config/spec-types.js';
import type { GatewayConfig } from '../config/types.js';

export interface GatewayCliOptions {
  config?: string;
  verbose?: boolean;
  /** MQTT TCP ports replacing every `listener` line (repeatable). */
  port?: number[];
  /** MQTT-SN UDP ports replacing every `mqttsn_udp` line (repeatable). */
  udpPort?: number[];
  /** false with --no-persistence. */
  persistence: boolean;
  data?: string;
}

function portArgument(value: string, previous: number[] | undefined): number[] {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError('expected a port number 0..65535 (0 = any free port).');
  }
  return [...(previous ?? []), port];
}

export function buildGatewayCommand(version: string): Command {
  return new Command('mqttsn-gateway')
    .description('MQTT-SN v1.2 gateway (UDP, serial, XBee) with an embedded MQTT 3.1/3.1.1/5.0 broker')
    .option('-c, --config <file>', 'configuration file (default: built-in defaults, as in gateway.conf)')
    .option('-v, --verbose', 'log every packet in and out (log_level debug)')
    .option('-p, --port <port>', 'MQTT TCP port, replacing the listener lines (repeatable)', portArgument)
    .option(
      '-u, --udp-port <port>',
      'MQTT-SN UDP port, replacing the mqttsn_udp lines (repeatable)',
      portArgument,
    )
    .option('--no-persistence', 'keep everything in memory (persistence false)')
    .option('--data <dir>', 'data directory (persistence_location)')
    .version(version, '-V, --version', 'print the version and exit')
    .allowExcessArguments(false);
}

/** Parses argv (process.argv form: node, script, args…) into options; exits on --help/--version. */
export function parseGatewayArgs(command: Command, argv: readonly string[]): GatewayCliOptions {
  command.parse(argv as string[]);
  return command.opts<GatewayCliOptions>();
}

/**
 * Loads the config file (or the defaults, with paths relative to `cwd`) and applies the
 * command-line overrides; `--data` is relative to `cwd`.
 */
export function configFromOptions(options: GatewayCliOptions, cwd: string = process.cwd()): GatewayConfig {
  // The file name stays as typed, so errors read `gateway.conf:12: …`.
  const base = options.config === undefined ? defaultGatewayConfig(cwd) : loadGatewayConfig(options.config);
  return applyCliOverrides(base, options, cwd);
}

export function applyCliOverrides(
  config: GatewayConfig,
  options: GatewayCliOptions,
  cwd: string,
): GatewayConfig {
  const result: GatewayConfig = { ...config };
  if (options.verbose === true) result.logLevel = 'debug';
  if (options.port !== undefined) result.listeners = options.port.map((port) => ({ port }));
  if (options.udpPort !== undefined) result.mqttsnUdp = options.udpPort.flatMap(udpOnAllAddresses);
  if (!options.persistence) result.persistence = false;
  if (options.data !== undefined) result.persistenceLocation = resolve(cwd, options.data);
  return result;
}
