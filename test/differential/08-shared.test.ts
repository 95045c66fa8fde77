/**
 * 08 shared subscriptions against mosquitto: `$share/g/filter` — each message goes to exactly
 * one member of the group (MQTT 5 §4.8.2); two groups each get a copy; a normal subscription on
 * the same filter gets its own copy. Which member gets which message is the server's choice, so
 * the group's members are compared as a whole: what the group received, in order.
 */
import { describe, expect, it } from 'vitest';
import type { Entry } from './helpers/normalise.js';
import { asLines, runBoth, type Transcript } from './helpers/scenario.js';

/** The group's deliveries, payloads sorted: distribution may differ, the set may not. */
function groupView(t: Transcript, members: string[]): { perMember: number[]; received: string[] } {
  const publishes = (name: string): Entry[] => (t[name] ?? []).filter((e) => e.cmd === 'publish');
  return {
    perMember: members.map((m) => publishes(m).length).sort(),
    received: members.flatMap((m) => publishes(m).map((e) => `${e.topic} ${e.payload} qos=${e.qos}`)).sort(),
  };
}

describe.each([4, 5] as const)('08 shared subscriptions, MQTT %i', (version) => {
  it('08-01 one member per message; two groups and a plain subscriber each get every message', async () => {
    const { mosquitto, ours } = await runBoth(async (run) => {
      for (const name of ['a1', 'a2', 'b1']) {
        const group = name.startsWith('a') ? 'ga' : 'gb';
        const c = await run.connect(name, { version, clientId: name });
        await c.subscribe([{ topic: `$share/${group}/s/#`, qos: 1 }]);
      }
      const plain = await run.connect('plain', { version, clientId: 'plain' });
      await plain.subscribe([{ topic: 's/#', qos: 2 }]);
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      for (let i = 0; i < 6; i++) await pub.publish(`s/${i}`, `m${i}`, { qos: 2 });
      await run.sync();
    });
    for (const t of [mosquitto, ours]) {
      expect(groupView(t, ['a1', 'a2']).received).toHaveLength(6);
    }
    expect(groupView(ours, ['a1', 'a2']), 'group ga').toEqual(groupView(mosquitto, ['a1', 'a2']));
    expect(groupView(ours, ['b1']), 'group gb').toEqual(groupView(mosquitto, ['b1']));
    expect(asLines(ours).plain).toEqual(asLines(mosquitto).plain);
    expect(asLines(ours).pub).toEqual(asLines(mosquitto).pub);
  });

  it('08-02 shared subscription: no retained messages on subscribe; unsubscribe', async () => {
    const { mosquitto, ours } = await runBoth(async (run) => {
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('t/r', 'retained', { qos: 1, retain: true });
      const a = await run.connect('a', { version, clientId: 'a' });
      await a.subscribe([{ topic: '$share/g/t/#', qos: 1 }]);
      await run.sync();
      await a.unsubscribe(['$share/g/t/#']);
      await pub.publish('t/r', 'after unsubscribe', { qos: 1 });
      await run.sync();
    });
    expect(asLines(ours)).toEqual(asLines(mosquitto));
  });
});
