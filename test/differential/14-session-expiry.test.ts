/**
 * 14 MQTT 5 session expiry against mosquitto: a session outlives its connection for its expiry
 * interval and no longer (MQTT 5 §3.1.2.11.2); DISCONNECT may change the interval (§3.14.2.2.2),
 * but not from 0 to non-zero [MQTT-3.14.2-2] (protocol error).
 */
import { describe, it } from 'vitest';
import { expectSameAsMosquitto } from './helpers/scenario.js';

const version = 5;
const withExpiry = (clientId: string, seconds: number) =>
  ({ version, clientId, clean: false, properties: { sessionExpiryInterval: seconds } }) as const;

describe('14 session expiry, MQTT 5', () => {
  it('14-01 a session with expiry 1 s is gone 2 s later; one with 300 s is still there', async () => {
    await expectSameAsMosquitto(async (run) => {
      const short = await run.connect('short', withExpiry('short', 1));
      await short.subscribe([{ topic: 'x/#', qos: 1 }]);
      await short.disconnect();
      const long = await run.connect('long', withExpiry('long', 300));
      await long.subscribe([{ topic: 'x/#', qos: 1 }]);
      await long.disconnect();
      await run.sleep(2200);
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('x/1', 'while away', { qos: 1 });
      await run.connect('short', withExpiry('short', 1));
      await run.connect('long', withExpiry('long', 300));
      await run.sync();
    });
  });

  it('14-02 DISCONNECT sets the expiry to 0: the session ends; from 0 to non-zero: protocol error', async () => {
    await expectSameAsMosquitto(async (run) => {
      const a = await run.connect('a', withExpiry('a', 300));
      await a.subscribe([{ topic: 'y/#', qos: 1 }]);
      await a.disconnect(0, { sessionExpiryInterval: 0 });
      await run.connect('a', withExpiry('a', 300));
      const b = await run.connect('b', { version, clientId: 'b', clean: true });
      b.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 30 } });
      await b.waitClosed();
      await run.sync();
    });
  });

  it('14-03 clean start 0 with no session expiry property: session ends at disconnect', async () => {
    await expectSameAsMosquitto(async (run) => {
      const a = await run.connect('a', { version, clientId: 'a', clean: false });
      await a.subscribe([{ topic: 'y/#', qos: 1 }]);
      await a.disconnect();
      await run.connect('a', { version, clientId: 'a', clean: false });
      await run.sync();
    });
  });
});
