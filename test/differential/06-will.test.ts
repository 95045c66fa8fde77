/**
 * 06 will messages against mosquitto: published on a lost connection, not after DISCONNECT,
 * published after v5 DISCONNECT 0x04; retained will; v5 will delay interval (and a return within
 * the delay cancelling it); will properties passed through.
 */
import { describe, it } from 'vitest';
import type { Version } from './helpers/client.js';
import { type Deviation, expectSameAsMosquitto, type Run } from './helpers/scenario.js';

async function watcher(run: Run, version: Version) {
  const w = await run.connect('watch', { version, clientId: 'watch' });
  await w.subscribe([{ topic: 'will/#', qos: 2 }]);
  return w;
}

const isWill = (p: { cmd: string; topic?: string }) => p.cmd === 'publish';

describe.each([3, 4, 5] as const)('06 will, MQTT %i', (version) => {
  it('06-01 socket closed without DISCONNECT: will published (QoS 1, retained)', async () => {
    await expectSameAsMosquitto(async (run) => {
      const w = await watcher(run, version);
      const c = await run.connect('c', {
        version,
        clientId: 'c',
        will: { topic: 'will/c', payload: 'c died', qos: 1, retain: true },
      });
      await c.drop();
      await w.waitFor('will', isWill);
      const late = await run.connect('late', { version, clientId: 'late' });
      await late.subscribe([{ topic: 'will/#', qos: 2 }]);
      await run.sync();
    });
  });

  it('06-02 DISCONNECT: no will', async () => {
    await expectSameAsMosquitto(async (run) => {
      const w = await watcher(run, version);
      const c = await run.connect('c', {
        version,
        clientId: 'c',
        will: { topic: 'will/c', payload: 'c died' },
      });
      await c.disconnect();
      // A sentinel published after the DISCONNECT: the will, if any, would have come before it.
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('will/sentinel', 'sentinel', { qos: 1 });
      await w.waitFor('sentinel', isWill);
      await run.sync();
    });
  });
});

describe('06 will, MQTT 5 only', () => {
  const version = 5;
  it('06-03 DISCONNECT 0x04 publishes the will; will properties pass through', async () => {
    await expectSameAsMosquitto(async (run) => {
      const w = await watcher(run, version);
      const c = await run.connect('c', {
        version,
        clientId: 'c',
        will: {
          topic: 'will/c',
          payload: 'c left with will',
          qos: 2,
          properties: {
            contentType: 'text/plain',
            userProperties: { k: 'v' },
            responseTopic: 'r/t',
            correlationData: Buffer.from('cd'),
            payloadFormatIndicator: true,
          },
        },
      });
      await c.disconnect(0x04);
      await w.waitFor('will', isWill);
      await run.sync();
    });
  });

  it('06-04 will delay: published after the delay; a return within the delay cancels it', async () => {
    await expectSameAsMosquitto(async (run) => {
      const w = await watcher(run, version);
      const spec = (id: string) =>
        ({
          version,
          clientId: id,
          clean: false,
          properties: { sessionExpiryInterval: 60 },
          will: { topic: `will/${id}`, payload: `${id} died`, properties: { willDelayInterval: 1 } },
        }) as const;
      const late = await run.connect('late', spec('late'));
      const back = await run.connect('back', spec('back'));
      await late.drop();
      await back.drop();
      const returned = await run.connect('back', {
        version,
        clientId: 'back',
        clean: false,
        properties: { sessionExpiryInterval: 60 },
      });
      await w.waitFor('delayed will of late', isWill, 4000);
      await run.sleep(300);
      await run.sync();
      await returned.disconnect();
    });
  });

  it('06-05 will delay longer than session expiry: will at session end', async () => {
    await expectSameAsMosquitto(async (run) => {
      const w = await watcher(run, version);
      const c = await run.connect('c', {
        version,
        clientId: 'c',
        properties: { sessionExpiryInterval: 1 },
        will: { topic: 'will/c', payload: 'session over', properties: { willDelayInterval: 30 } },
      });
      await c.drop();
      await w.waitFor('will at session expiry', isWill, 4000);
      await run.sync();
    });
  });

  /**
   * mosquitto 2.0.11 waits the will delay even when the session ends at once (session expiry 0):
   * MQTT 5 §3.1.2.5 says the will goes out when the delay has passed "or the Session ends,
   * whichever happens first". We publish it when the session ends.
   */
  const willAtSessionEnd: Deviation = {
    client: 'watch',
    mosquitto: ['timeout waitingFor=will of now'],
    ours: ['publish will/now "session over at once" qos=0 retain=0 dup=0'],
    why: 'mosquitto waits the will delay after a session with expiry 0 has ended',
  };

  it('06-06 will delay with session expiry 0: will at once; DISCONNECT 0x04 with a delay: after it', async () => {
    await expectSameAsMosquitto(
      async (run) => {
        const w = await watcher(run, version);
        const now = await run.connect('now', {
          version,
          clientId: 'now',
          will: { topic: 'will/now', payload: 'session over at once', properties: { willDelayInterval: 30 } },
        });
        await now.drop();
        await w.waitFor('will of now', isWill, 1500);
        const later = await run.connect('later', {
          version,
          clientId: 'later',
          properties: { sessionExpiryInterval: 60 },
          will: { topic: 'will/later', payload: 'after the delay', properties: { willDelayInterval: 1 } },
        });
        await later.disconnect(0x04);
        await w.waitFor('will of later', isWill, 4000);
        await run.sync();
      },
      { deviations: [willAtSessionEnd] },
    );
  });
});
