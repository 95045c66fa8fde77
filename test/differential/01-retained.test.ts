/**
 * 01 retained messages, against mosquitto: set, replace, clear with an empty payload; delivered
 * on subscribe with RETAIN=1, live deliveries with RETAIN=0 (MQTT-3.3.1-9); overlapping filters.
 */
import { describe, expect, it } from 'vitest';
import { type Deviation, expectSameAsMosquitto } from './helpers/scenario.js';

/**
 * mosquitto 2.0.11 gives a 3.1.1 client ONE copy for overlapping subscriptions (its
 * allow_duplicate_messages false), at the QoS of the FIRST subscription its tree walk meets
 * (literal level, then `+`, then `#`), not the highest: here `o/x` at QoS 1 beats `+/x` at QoS 2.
 * MQTT 3.1.1 §3.3.5 says the server MUST deliver "respecting the maximum QoS of all the matching
 * subscriptions" [MQTT-3.3.5-1], so we keep one copy at the highest QoS (MQTT 5 clients get one
 * copy per subscription, as on mosquitto).
 */
const overlapQosDeviation: Deviation = {
  client: 'a',
  mosquitto: ['publish o/x "live" qos=1 retain=0 dup=0 packetId=present'],
  ours: ['publish o/x "live" qos=2 retain=0 dup=0 packetId=present', 'pubrel answers count=1'],
  why: 'mosquitto 3.1.1 overlap takes the first matching subscription QoS, not the maximum [MQTT-3.3.5-1]',
};

describe.each([3, 4, 5] as const)('01 retained, MQTT %i', (version) => {
  it('01-01 set, replace, clear; delivered on subscribe with retain flag, live without', async () => {
    const ref = await expectSameAsMosquitto(async (run) => {
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('r/a', 'first', { retain: true, qos: 1 });
      await pub.publish('r/a', 'second', { retain: true, qos: 1 });
      await pub.publish('r/b', 'keep', { retain: true });
      await pub.publish('r/c', 'gone', { retain: true });
      await pub.publish('r/c', '', { retain: true });
      const sub = await run.connect('sub', { version, clientId: 'sub' });
      await sub.subscribe([{ topic: 'r/#', qos: 2 }]);
      await run.sync();
      await pub.publish('r/a', 'live', { retain: true, qos: 1 });
      await run.sync();
    });
    expect(ref.sub).toContainEqual(
      expect.objectContaining({ topic: 'r/a', payload: 'second', retain: true }),
    );
  });

  it('01-02 retained QoS is min(message, subscription); empty retained clears and is forwarded', async () => {
    await expectSameAsMosquitto(async (run) => {
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('q/2', 'two', { retain: true, qos: 2 });
      await pub.publish('q/0', 'zero', { retain: true, qos: 0 });
      const s0 = await run.connect('s0', { version, clientId: 's0' });
      await s0.subscribe([{ topic: 'q/+', qos: 0 }]);
      const s2 = await run.connect('s2', { version, clientId: 's2' });
      await s2.subscribe([{ topic: 'q/+', qos: 2 }]);
      await run.sync();
      await pub.publish('q/2', '', { retain: true, qos: 1 });
      await run.sync();
      const late = await run.connect('late', { version, clientId: 'late' });
      await late.subscribe([{ topic: 'q/#', qos: 1 }]);
      await run.sync();
    });
  });

  it('01-03 overlapping subscriptions in one SUBSCRIBE and in two; resubscribe resends retained', async () => {
    const deviations = version === 5 ? [] : [overlapQosDeviation];
    await expectSameAsMosquitto(
      async (run) => {
        const pub = await run.connect('pub', { version, clientId: 'pub' });
        await pub.publish('o/x', 'retained', { retain: true, qos: 1 });
        const a = await run.connect('a', { version, clientId: 'a' });
        await a.subscribe([
          { topic: 'o/#', qos: 1 },
          { topic: 'o/x', qos: 0 },
        ]);
        await run.sync();
        await a.subscribe([{ topic: '+/x', qos: 2 }]);
        await run.sync();
        await a.subscribe([{ topic: 'o/x', qos: 1 }]);
        await run.sync();
        await pub.publish('o/x', 'live', { qos: 2 });
        await run.sync();
      },
      { deviations },
    );
  });

  it('01-04 the same filter twice in one SUBSCRIBE: two grants, the second replaces the first', async () => {
    await expectSameAsMosquitto(async (run) => {
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('d/x', 'retained', { qos: 2, retain: true });
      const s = await run.connect('s', { version, clientId: 's' });
      await s.subscribe([
        { topic: 'd/x', qos: 2 },
        { topic: 'd/x', qos: 0 },
      ]);
      await run.sync();
      await pub.publish('d/x', 'live', { qos: 2 });
      await run.sync();
    });
  });
});
