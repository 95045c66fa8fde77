/**
 * 20 more session cases against mosquitto: an offline subscription at QoS 0 queues nothing;
 * a shared group whose member is offline; resubscribing replaces the options; a v5 session
 * resumed by a 3.1.1 connection; will delay against takeover.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectSpec, Version } from './helpers/client.js';
import { asLines, expectSameAsMosquitto, runBoth } from './helpers/scenario.js';

function persistent(version: Version, clientId: string, extra: Partial<ConnectSpec> = {}): ConnectSpec {
  return version === 5
    ? { version, clientId, clean: false, properties: { sessionExpiryInterval: 300 }, ...extra }
    : { version, clientId, clean: false, ...extra };
}

describe.each([4, 5] as const)('20 sessions, MQTT %i', (version) => {
  it('20-01 an offline subscription at QoS 0 gets nothing queued, even from QoS 1/2 publishes', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', persistent(version, 's'));
      await s.subscribe([{ topic: 'z/#', qos: 0 }]);
      await s.disconnect();
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('z/1', 'qos1', { qos: 1 });
      await pub.publish('z/2', 'qos2', { qos: 2 });
      await run.connect('s', persistent(version, 's'));
      await run.sync();
    });
  });

  it('20-02 shared group with one member offline: what each member gets', async () => {
    const { mosquitto, ours } = await runBoth(async (run) => {
      const a = await run.connect('a', persistent(version, 'a'));
      await a.subscribe([{ topic: '$share/g/t', qos: 1 }]);
      const b = await run.connect('b', persistent(version, 'b'));
      await b.subscribe([{ topic: '$share/g/t', qos: 1 }]);
      await b.disconnect();
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      for (let i = 0; i < 4; i++) await pub.publish('t', `m${i}`, { qos: 1 });
      await run.sync();
      await run.mark('b returns');
      await run.connect('b', persistent(version, 'b'));
      await run.sync();
    });
    const count = (lines: string[] | undefined) =>
      (lines ?? []).filter((l) => l.startsWith('publish')).length;
    const m = asLines(mosquitto);
    const o = asLines(ours);
    // Every message reaches the group exactly once, whoever gets it.
    expect(count(m.a) + count(m['b#2'])).toBe(4);
    expect(count(o.a) + count(o['b#2'])).toBe(4);
    expect({ a: count(o.a), b: count(o['b#2']) }, 'distribution: ours vs mosquitto').toEqual({
      a: count(m.a),
      b: count(m['b#2']),
    });
  });

  it('20-03 resubscribing replaces QoS (and v5 options); one delivery afterwards', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', { version, clientId: 's' });
      await s.subscribe(
        [{ topic: 'r/x', qos: 2 }],
        version === 5 ? { subscriptionIdentifier: 1 } : undefined,
      );
      await s.subscribe(
        [{ topic: 'r/x', qos: 0 }],
        version === 5 ? { subscriptionIdentifier: 2 } : undefined,
      );
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('r/x', 'after resubscribe', { qos: 2 });
      await run.sync();
    });
  });
});

describe('20 sessions across versions and will delay', () => {
  it('20-04 a v5 session resumed by a 3.1.1 connection keeps subscriptions and queue', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', persistent(5, 's'));
      await s.subscribe([{ topic: 'v/#', qos: 1 }], { subscriptionIdentifier: 5 });
      await s.disconnect();
      const pub = await run.connect('pub', { version: 5, clientId: 'pub' });
      await pub.publish('v/1', 'queued for a v5 session', { qos: 1 });
      await run.connect('s', persistent(4, 's'));
      await pub.publish('v/2', 'live to 3.1.1', { qos: 1 });
      await run.sync();
    });
  });

  it('20-05 v5 takeover of a connection whose will has a delay: session continues, no will', async () => {
    await expectSameAsMosquitto(
      async (run) => {
        const w = await run.connect('watch', { version: 5, clientId: 'watch' });
        await w.subscribe([{ topic: 'will/#', qos: 1 }]);
        const spec = persistent(5, 'd', {
          will: { topic: 'will/d', payload: 'd died', properties: { willDelayInterval: 1 } },
        });
        const old = await run.connect('d', spec);
        await run.connect('d', persistent(5, 'd'));
        await old.waitClosed();
        await run.sleep(1500);
        await run.sync();
      },
      {
        deviations: [
          {
            client: 'd',
            mosquitto: ['closed by broker'],
            ours: ['disconnect code=142', 'closed by broker'],
            why: 'mosquitto 2.0.11 sends no DISCONNECT 0x8E (see 05-takeover)',
          },
        ],
      },
    );
  });
});
