/**
 * 06 keep-alive and session expiry: the keep-alive is enforced at 1.5 × the interval, not 1 ×
 * [MQTT-3.1.2-24]; a v5 Server Keep Alive replaces the client's [MQTT-3.2.2-21]; a v5 session
 * ends after its Session Expiry Interval and lives until then, and a DISCONNECT may change the
 * interval (MQTT 5 §3.1.2.11.2, §3.14.2.2.2).
 *
 * The waits here are the scenario (time is what is tested); each keeps a margin of at least a
 * third of the interval on either side, and nothing asserts on how long anything took.
 */
import { describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker, waitForLog } from '../../helpers/mqtt/harness.js';
import { endAll, mqttjs, mqttjsWithConnack } from '../../helpers/mqtt/mqttjs.js';
import { RawClient } from '../../helpers/mqtt/raw-client.js';

/**
 * Each test gets its own broker and runs concurrently with the others: the file waits on real
 * time, so its tests overlap instead of adding up.
 */
async function withBroker(
  frontEnd: Parameters<typeof startTestBroker>[0],
  body: (ctx: { t: TestBroker; connected: Connect }) => Promise<void>,
): Promise<void> {
  const t = await startTestBroker(frontEnd);
  const raws: RawClient[] = [];
  const connected: Connect = async (version, clientId, extra = {}) => {
    const r = await RawClient.connected(t.port, version, clientId, extra);
    raws.push(r.client);
    return r;
  };
  try {
    await body({ t, connected });
  } finally {
    for (const c of raws) c.destroy();
    await t.close();
  }
}
type Connect = (
  version: 4 | 5,
  clientId: string,
  extra?: Record<string, unknown>,
) => ReturnType<typeof RawClient.connected>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.concurrent.each([4, 5] as const)('06 keep-alive, protocol %i', (v) => {
  it('06-01 keep-alive 2 s: silent for 2.4 s (past 1 ×, before 1.5 ×) still served; silent past 3 s closed', async () => {
    const b = await startTestBroker();
    try {
      const { client } = await RawClient.connected(b.port, v, `ka${v}`, { keepalive: 2 });
      try {
        await sleep(2400);
        expect(client.isClosed).toBe(false);
        client.send({ cmd: 'pingreq' });
        await client.expect('pingresp');
        // Now silent for good: closed by 1.5 × 2 s after that PINGREQ, without DISCONNECT.
        await client.expectClosed(5000);
        expect(client.pending()).toEqual([]);
        const line = await waitForLog(b.logs, new RegExp(`Client ka${v} has exceeded timeout`));
        expect(line).toContain('disconnecting');
      } finally {
        client.destroy();
      }
    } finally {
      await b.close();
    }
  });
});

describe.concurrent('06 v5 server keep-alive', () => {
  it('06-02 Server Keep Alive 1 s overrides the client 60 s: announced in CONNACK and enforced', async () => {
    await withBroker({ serverKeepAlive: 1 }, async ({ t, connected }) => {
      const { client, connack } = await connected(5, 'ska', { keepalive: 60 });
      expect(connack.properties?.serverKeepAlive).toBe(1);
      await client.expectClosed(4000);
      await waitForLog(t.logs, /New client connected from 127\.0\.0\.1:\d+ as ska \(p5, c1, k1\)/);
      await waitForLog(t.logs, /Client ska has exceeded timeout/);
    });
  });

  it('06-03 Server Keep Alive 1 s also applies to a client asking for keep-alive 0', async () => {
    await withBroker({ serverKeepAlive: 1 }, async ({ connected }) => {
      const { client } = await connected(5, 'ska0', { keepalive: 0 });
      await client.expectClosed(4000);
    });
  });

  it('06-04 3.1.1 clients are not told a server keep-alive and keep their own', async () => {
    await withBroker({ serverKeepAlive: 1 }, async ({ connected }) => {
      const { client, connack } = await connected(4, 'ska4', { keepalive: 60 });
      expect(connack.properties).toBeUndefined();
      await sleep(1800);
      client.send({ cmd: 'pingreq' });
      await client.expect('pingresp');
    });
  });

  it('06-05 MQTT.js follows the Server Keep Alive and stays connected with its pings', async () => {
    await withBroker({ serverKeepAlive: 1 }, async ({ t }) => {
      const c = await mqttjs(t.port, { protocolVersion: 5, clientId: 'js-ska', keepalive: 60 });
      try {
        let closed = false;
        c.on('close', () => {
          closed = true;
        });
        await sleep(2500);
        expect(closed).toBe(false);
        await c.publishAsync('still/here', 'yes', { qos: 1 });
      } finally {
        await endAll(c);
      }
    });
  });
});

function persistent(expiry: number) {
  return { clean: false, properties: { sessionExpiryInterval: expiry } };
}

/** A publish at QoS 1 from a fresh client to `topic`. */
async function publishOne(connected: Connect, topic: string, payload: string): Promise<void> {
  const { client } = await connected(5, `pub-${payload}`);
  client.send({
    cmd: 'publish',
    topic,
    payload: Buffer.from(payload),
    qos: 1,
    messageId: 1,
    retain: false,
    dup: false,
  });
  await client.expect('puback');
  client.send({ cmd: 'disconnect', reasonCode: 0 });
}

describe.concurrent('06 v5 session expiry', () => {
  it('06-06 expiry 1 s: the session is gone 2.5 s after the client left (session present 0, nothing queued)', async () => {
    await withBroker({}, async ({ connected }) => {
      const { client } = await connected(5, 'short', persistent(1));
      client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'se/short', qos: 1 }] });
      await client.expect('suback');
      client.send({ cmd: 'disconnect', reasonCode: 0 });
      await client.expectClosed();
      await publishOne(connected, 'se/short', 'lost');
      await sleep(2500);
      const back = await connected(5, 'short', persistent(1));
      expect(back.connack.sessionPresent).toBe(false);
      await back.client.expectSilence(200);
    });
  });

  it('06-07 expiry 10 s: the session is still there 2.5 s later, with its queued message', async () => {
    await withBroker({}, async ({ connected }) => {
      const { client } = await connected(5, 'long', persistent(10));
      client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'se/long', qos: 1 }] });
      await client.expect('suback');
      client.destroy(); // lost, not DISCONNECT: the expiry still counts from the loss
      await client.closed;
      await publishOne(connected, 'se/long', 'kept');
      await sleep(2500);
      const back = await connected(5, 'long', persistent(10));
      expect(back.connack.sessionPresent).toBe(true);
      expect((await back.client.expect('publish')).payload.toString()).toBe('kept');
    });
  });

  it('06-08 DISCONNECT shortens the expiry (60 s → 1 s): the session ends after 1 s', async () => {
    await withBroker({}, async ({ connected }) => {
      const { client } = await connected(5, 'shorten', persistent(60));
      client.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 1 } });
      await client.expectClosed();
      await sleep(2500);
      const back = await connected(5, 'shorten', persistent(60));
      expect(back.connack.sessionPresent).toBe(false);
    });
  });

  it('06-09 DISCONNECT lengthens the expiry (1 s → 60 s): the session outlives the first interval', async () => {
    await withBroker({}, async ({ connected }) => {
      const { client } = await connected(5, 'lengthen', persistent(1));
      client.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
      await client.expectClosed();
      await sleep(2500);
      const back = await connected(5, 'lengthen', persistent(60));
      expect(back.connack.sessionPresent).toBe(true);
    });
  });

  it('06-10 MQTT.js: sessionExpiryInterval keeps the session across a reconnect (session present)', async () => {
    await withBroker({}, async ({ t }) => {
      const options = {
        protocolVersion: 5 as const,
        clientId: 'js-exp',
        clean: false,
        properties: { sessionExpiryInterval: 30 },
      };
      const a = await mqttjs(t.port, options);
      await a.subscribeAsync('js/exp', { qos: 1 });
      await a.endAsync();
      const { client: b, connack } = await mqttjsWithConnack(t.port, options);
      try {
        expect(connack.sessionPresent).toBe(true);
      } finally {
        await endAll(b);
      }
    });
  });
});
