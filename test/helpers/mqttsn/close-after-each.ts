/**
 * What a gateway conformance test opens — a harness, MQTT-SN test clients, MQTT watchers — closed
 * after each test, in that order (clients and watchers first, then the harness they talk to).
 */
import { afterEach } from 'vitest';
import type { Harness, MqttWatcher } from './harness.js';
import type { SnTestClient } from './sn-client.js';

export interface TestBed {
  harness: Harness | undefined;
  readonly clients: SnTestClient[];
  readonly watchers: MqttWatcher[];
}

/** Registers the afterEach that closes everything put in the returned bed. */
export function closeAfterEach(): TestBed {
  const bed: TestBed = { harness: undefined, clients: [], watchers: [] };
  afterEach(async () => {
    await Promise.all(bed.clients.splice(0).map((c) => c.close()));
    await Promise.all(bed.watchers.splice(0).map((w) => w.close()));
    await bed.harness?.close();
    bed.harness = undefined;
  });
  return bed;
}
