/**
 * The gateway under test: the built binary as its own process with a temporary gateway.conf, started
 * fresh for every scenario run through the broker bench's RunningBroker (bench/targets.ts), which
 * raises its descriptor limit, bounds its lifetime with `timeout` and measures its own pid.
 */
import dgram from 'node:dgram';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oursCommand } from '../common/ours-command.js';
import { RunningBroker, type TargetSpec } from '../targets.js';

/** mqttsn_max_clients of the gateway under test. */
export const MAX_CLIENTS = 200_000;

export const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A UDP port free right now on 127.0.0.1. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((ok) => socket.bind(0, '127.0.0.1', () => ok()));
  const port = socket.address().port;
  await new Promise<void>((ok) => socket.close(() => ok()));
  return port;
}

export function gatewayConfig(tcpPort: number, udpPort: number): string {
  return [
    'persistence false',
    'sys_interval 0',
    `listener ${tcpPort} 127.0.0.1`,
    `mqttsn_udp ${udpPort} 127.0.0.1`,
    `mqttsn_max_clients ${MAX_CLIENTS}`,
    'advertise_interval 0',
    // The subscriber takes QoS 1 messages as fast as they come; a queue limit would measure dropping.
    'max_queued_messages 0',
    // Per-client info lines would cost the gateway CPU (mosquitto's bench runs log errors and warnings only).
    'log_level warn',
    '',
  ].join('\n');
}

export interface StartedGateway {
  broker: RunningBroker;
  udpPort: number;
}

export async function startGatewayProcess(lifetimeSeconds: number): Promise<StartedGateway> {
  const udpPort = await freeUdpPort();
  const spec: TargetSpec = {
    name: 'ours',
    command: oursCommand(join(REPOSITORY, 'bin/mqttsn-gateway.js'), '-c {conf}'),
    config: (port) => gatewayConfig(port, udpPort),
  };
  const broker = await RunningBroker.start(
    spec,
    { noDelay: false, queueLimit: 0 },
    lifetimeSeconds,
    REPOSITORY,
  );
  return { broker, udpPort };
}
