/**
 * 16 keep-alive against mosquitto: a client silent for 1.5 × its keep-alive is disconnected
 * and its will published [MQTT-3.1.2-24]. mosquitto 2.0.11 checks keep-alives only every few
 * seconds (a keep-alive of 1 s is enforced after about 5.5 s), so the wait is generous; when it
 * happens is not compared, only what the clients see.
 */
import { describe, it } from 'vitest';
import { expectSameAsMosquitto } from './helpers/scenario.js';

describe.concurrent.each([4, 5] as const)('16 keep-alive, MQTT %i', (version) => {
  it(`16-01 silent past 1.5 × keep-alive: closed, will published`, async () => {
    await expectSameAsMosquitto(async (run) => {
      const w = await run.connect('watch', { version, clientId: 'watch' });
      await w.subscribe([{ topic: 'will/#', qos: 1 }]);
      const silent = await run.connect('silent', {
        version,
        clientId: 'silent',
        keepalive: 1,
        will: { topic: 'will/silent', payload: 'timed out', qos: 1 },
      });
      await silent.waitClosed('keep-alive close', 12_000);
      await w.waitFor('will', (p) => p.cmd === 'publish');
      await run.sync();
    });
  }, 20_000);
});
