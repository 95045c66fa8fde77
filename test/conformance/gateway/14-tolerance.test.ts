/**
 * Keep-alive supervision with MQTT-SN §7.2's tolerance: "10% higher than the indicated values for
 * durations larger than 1 minute, and 50% higher if less"; options.keepAliveTolerance overrides it.
 * The gateway's clock is driven by the test (GatewayDeps.now), so no test waits for minutes.
 */
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '../../helpers/mqttsn/close-after-each.js';
import { type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

const bed = closeAfterEach();
const { clients, watchers } = bed;

const S = 1000;

async function withClock(
  tolerance?: number,
): Promise<{ h: Harness; advance(ms: number): void; wills: MqttWatcher }> {
  let clock = Date.now();
  const h = await startHarness({
    now: () => clock,
    gateway: tolerance === undefined ? {} : { keepAliveTolerance: tolerance },
  });
  bed.harness = h;
  const wills = await MqttWatcher.subscribe(h.mqtt.port, 'wills/#');
  watchers.push(wills);
  return { h, wills, advance: (ms) => (clock += ms) };
}

async function connected(h: Harness, id: string, keepAlive: number): Promise<void> {
  const c = await SnTestClient.open({ port: h.port });
  clients.push(c);
  await c.connect(id, { duration: keepAlive, will: { topic: `wills/${id}`, message: `${id} lost` } });
}

describe('14 keep-alive tolerance (MQTT-SN §7.2)', () => {
  it('+50 % for durations under a minute, +10 % above', async () => {
    const { h, advance, wills } = await withClock();
    await connected(h, 'short-30', 30); // limit 45 s
    await connected(h, 'short-20', 20); // limit 30 s
    await connected(h, 'long-100', 100); // limit 110 s
    advance(40 * S);
    await wills.waitFor(1);
    expect(wills.messages.map((m) => m.payload)).toEqual(['short-20 lost']); // 30 s alive at 40 s
    advance(75 * S); // 115 s: past 100 × 1.1, well below 100 × 1.5
    await wills.waitFor(3);
    expect(wills.messages.map((m) => m.payload).sort()).toEqual([
      'long-100 lost',
      'short-20 lost',
      'short-30 lost',
    ]);
  });

  it('keepAliveTolerance, when set, applies to every duration', async () => {
    const { h, advance, wills } = await withClock(1.5);
    await connected(h, 'long-100', 100); // limit 150 s with the override
    await connected(h, 'long-70', 70); // limit 105 s
    advance(115 * S);
    await wills.waitFor(1);
    expect(wills.messages.map((m) => m.payload)).toEqual(['long-70 lost']);
    expect(h.gateway.stats().clients.active).toBe(1);
  });
});
