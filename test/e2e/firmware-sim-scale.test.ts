/**
 * Issue 6 "Build", scale: 10,000 sensors from one firmware-sim process (the built CLI, spread over
 * four source addresses of 127.0.0.0/8) against the gateway binary. Each sensor connects, registers
 * its topic and publishes one QoS 1 reading; the summary says every one was acknowledged, and an
 * MQTT subscriber received each sensor's reading.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort, runSimCli } from '../helpers/firmware-sim.js';
import { freePort, GatewayProcess } from '../helpers/gateway-process.js';

const SENSORS = 10_000;

let directory = '';
let gateway: GatewayProcess | undefined;
let udpPort = 0;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'firmware-sim-scale-'));
  const port = await freePort();
  udpPort = await freeUdpPort();
  const config = join(directory, 'gateway.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      `mqttsn_udp ${udpPort} 127.0.0.1`,
      'persistence false',
      'sys_interval 0',
      'advertise_interval 0',
      'log_level warn',
      `mqttsn_max_clients ${SENSORS * 2}`,
      // The subscriber takes 10,000 QoS 1 messages in a burst: with the default queue limit (1000,
      // as mosquitto) the broker would drop what the subscriber has not taken yet, as it should.
      'max_queued_messages 0',
      '',
    ].join('\n'),
  );
  gateway = await GatewayProcess.start(config, port);
}, 20_000);

afterAll(async () => {
  await gateway?.kill();
  rmSync(directory, { recursive: true, force: true });
});

describe('firmware-sim at scale', () => {
  it(`${SENSORS.toLocaleString('en')} sensors from one process: every reading acknowledged and received`, async () => {
    const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway!.port}`, { reconnectPeriod: 0 });
    const senders = new Set<string>();
    subscriber.on('message', (topic) => senders.add(topic.split('/')[1] ?? ''));
    await subscriber.subscribeAsync('sensors/+/temperature', { qos: 1 });
    try {
      const summary = await runSimCli(
        [
          ...['--udp', `127.0.0.1:${udpPort}`, '--sensors', String(SENSORS), '--count', '1', '--qos', '1'],
          ...['--source-addresses', '4', '--ramp', '3', '--battery-every', '0', '--json', '--quiet'],
        ],
        50_000,
      );
      expect(summary.sensors).toBe(SENSORS);
      expect(summary.totals).toMatchObject({ sent: SENSORS, acknowledged: SENSORS, lost: 0 });
      expect(summary.states).toEqual({ stopped: SENSORS });
      const deadline = Date.now() + 10_000;
      while (senders.size < SENSORS && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
      expect(senders.size).toBe(SENSORS);
    } finally {
      await subscriber.endAsync(true);
    }
  }, 60_000);
});
