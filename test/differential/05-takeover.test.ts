/**
 * 05 takeover against mosquitto: a second CONNECT with the same client id closes the first
 * connection (v5: DISCONNECT 0x8E Session taken over, MQTT 5 §3.1.4-3); whether the old
 * connection's will is published depends on whether the session ends.
 */
import { describe, it } from 'vitest';
import type { Version } from './helpers/client.js';
import { type Deviation, expectSameAsMosquitto, type Run } from './helpers/scenario.js';

/**
 * mosquitto 2.0.11 closes the old v5 connection without the DISCONNECT 0x8E it should send
 * first (MQTT 5 §3.1.4 step 2, [MQTT-3.1.4-3]; issue 2 asks for it): we send it.
 */
const takenOverDeviation: Deviation = {
  client: 'dup',
  mosquitto: ['closed by broker'],
  ours: ['disconnect code=142', 'closed by broker'],
  why: 'mosquitto 2.0.11 sends no DISCONNECT 0x8E Session taken over',
};

async function watcher(run: Run, version: Version) {
  const w = await run.connect('watch', { version, clientId: 'watch' });
  await w.subscribe([{ topic: 'will/#', qos: 1 }]);
  return w;
}

describe.each([4, 5] as const)('05 takeover, MQTT %i', (version) => {
  it.each([
    [true, true],
    [true, false],
    [false, true],
    [false, false],
  ])(
    '05-01 old clean=%s, new clean=%s: old closed, will and session as mosquitto',
    async (oldClean, newClean) => {
      await expectSameAsMosquitto(
        async (run) => {
          const w = await watcher(run, version);
          const expiry = version === 5 ? { properties: { sessionExpiryInterval: 60 } } : {};
          const old = await run.connect('dup', {
            version,
            clientId: 'dup',
            clean: oldClean,
            ...(oldClean ? {} : expiry),
            will: { topic: 'will/dup', payload: 'old died', qos: 1 },
          });
          await old.subscribe([{ topic: 'kept/#', qos: 1 }]);
          const fresh = await run.connect('dup', {
            version,
            clientId: 'dup',
            clean: newClean,
            ...(newClean ? {} : expiry),
          });
          await old.waitClosed('old connection closed');
          await run.sync();
          const pub = await run.connect('pub', { version, clientId: 'pub' });
          await pub.publish('kept/x', 'still subscribed?', { qos: 1 });
          await run.sync();
          await fresh.disconnect();
          await w.ping();
        },
        { deviations: version === 5 ? [takenOverDeviation] : [] },
      );
    },
  );
});

describe.each([4, 5] as const)('05 takeover with messages in flight, MQTT %i', (version) => {
  it('05-02 unacknowledged deliveries of the old connection are resent to the new one with DUP', async () => {
    const persistent =
      version === 5
        ? ({ version, clientId: 'dup', clean: false, properties: { sessionExpiryInterval: 60 } } as const)
        : ({ version, clientId: 'dup', clean: false } as const);
    await expectSameAsMosquitto(
      async (run) => {
        const old = await run.connect('dup', { ...persistent, autoAck: false });
        await old.subscribe([{ topic: 'f/#', qos: 2 }]);
        const pub = await run.connect('pub', { version, clientId: 'pub' });
        await pub.publish('f/1', 'one', { qos: 1 });
        await pub.publish('f/2', 'two', { qos: 2 });
        await run.sync();
        await run.connect('dup', persistent);
        await old.waitClosed();
        await pub.publish('f/3', 'three', { qos: 1 });
        await run.sync();
      },
      { deviations: version === 5 ? [takenOverDeviation] : [] },
    );
  });
});
