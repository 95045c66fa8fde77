/**
 * 04 persistent sessions against mosquitto: CONNACK session present, QoS 0 not queued for an
 * offline session (mosquitto's default queue_qos0_messages false), QoS 1/2 queued, clean
 * session / clean start discarding the session, in-flight messages resent with DUP.
 */
import { describe, it } from 'vitest';
import type { ConnectSpec, Version } from './helpers/client.js';
import { expectSameAsMosquitto } from './helpers/scenario.js';

function persistent(version: Version, clientId: string, extra: Partial<ConnectSpec> = {}): ConnectSpec {
  return version === 5
    ? { version, clientId, clean: false, properties: { sessionExpiryInterval: 300 }, ...extra }
    : { version, clientId, clean: false, ...extra };
}

describe.each([3, 4, 5] as const)('04 sessions, MQTT %i', (version) => {
  it('04-01 offline persistent session: QoS 1/2 queued, QoS 0 not; session present on return', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', persistent(version, 's'));
      await s.subscribe([{ topic: 'p/#', qos: 2 }]);
      await s.disconnect();
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('p/0', 'zero', { qos: 0 });
      await pub.publish('p/1', 'one', { qos: 1 });
      await pub.publish('p/2', 'two', { qos: 2 });
      await pub.publish('p/r', 'retained', { qos: 1, retain: true });
      await run.sync();
      const back = await run.connect('s', persistent(version, 's'));
      await run.sync();
      await back.disconnect();
      const again = await run.connect('s', { version, clientId: 's', clean: true });
      await pub.publish('p/1', 'after clean', { qos: 1 });
      await run.sync();
      await again.disconnect();
    });
  });

  it('04-02 unacknowledged deliveries are resent with DUP after reconnect', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', persistent(version, 's', { autoAck: false }));
      await s.subscribe([{ topic: 'u/#', qos: 2 }]);
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('u/1', 'one', { qos: 1 });
      await pub.publish('u/2', 'two', { qos: 2 });
      await run.sync();
      await s.drop();
      const back = await run.connect('s', persistent(version, 's'));
      await run.sync();
      await back.disconnect();
    });
  });

  it('04-03 a QoS 2 delivery interrupted after PUBREC resumes with PUBREL only', async () => {
    await expectSameAsMosquitto(async (run) => {
      const s = await run.connect('s', persistent(version, 's', { autoAck: false }));
      await s.subscribe([{ topic: 'u/#', qos: 2 }]);
      const pub = await run.connect('pub', { version, clientId: 'pub' });
      await pub.publish('u/2', 'two', { qos: 2 });
      const got = await s.waitFor('publish', (p) => p.cmd === 'publish');
      if (got?.cmd === 'publish') s.send({ cmd: 'pubrec', messageId: got.messageId });
      await s.waitFor('pubrel', (p) => p.cmd === 'pubrel');
      await s.drop();
      const back = await run.connect('s', persistent(version, 's'));
      await run.sync();
      await back.disconnect();
    });
  });

  it('04-04 clean session with no prior session: session present 0; persistent twice: 1', async () => {
    await expectSameAsMosquitto(async (run) => {
      const a = await run.connect('a', persistent(version, 'a'));
      await a.disconnect();
      const b = await run.connect('a', persistent(version, 'a'));
      await b.disconnect();
      const c = await run.connect('a', { version, clientId: 'a', clean: true });
      await c.disconnect();
      const d = await run.connect('a', persistent(version, 'a'));
      await d.disconnect();
    });
  });
});
