/**
 * MQTT over WebSockets (ws_listener) and secure WebSockets (wss_listener) with MQTT.js, as a
 * browser client would connect: subprotocol 'mqtt', v3.1.1 and v5, large messages split over
 * frames, plain HTTP answered 426, a wrong subprotocol refused, and a TLS client certificate over wss.
 */

import { readFileSync } from 'node:fs';
import http from 'node:http';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, endAll } from '../helpers/mqtt/mqttjs.js';
import { makeTestCerts, type TestCerts } from '../unit/security/certs.js';
import { type SecureBroker, startSecureBroker, waitForLog } from '../unit/security/secure-harness.js';

let certs: TestCerts;
let t: SecureBroker | undefined;
const clients: mqtt.MqttClient[] = [];

beforeAll(() => {
  certs = makeTestCerts('browser-1');
});
afterAll(() => certs.cleanup());
afterEach(async () => {
  await endAll(...clients.splice(0));
  await t?.close();
  t = undefined;
});

const wsConf = (extra = ''): string =>
  [
    'ws_listener 0 127.0.0.1',
    'wss_listener 0 127.0.0.1',
    `certfile ${certs.serverCert}`,
    `keyfile ${certs.serverKey}`,
    `cafile ${certs.ca}`,
    extra,
  ].join('\n');

async function client(url: string, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...options });
  clients.push(c);
  return c;
}

describe('MQTT over WebSockets', () => {
  it('ws:// and wss:// clients exchange messages, v3.1.1 and v5, with a message over many frames', async () => {
    t = await startSecureBroker(wsConf(), certs.dir);
    const sub = await client(`ws://127.0.0.1:${t.port('ws')}/mqtt`, {
      clientId: 'ws-sub',
      protocolVersion: 5,
    });
    await sub.subscribeAsync('web/#', { qos: 1 });
    const pub = await client(`wss://127.0.0.1:${t.port('wss')}`, {
      clientId: 'wss-pub',
      protocolVersion: 4,
      ca: readFileSync(certs.ca),
    });
    const big = 'x'.repeat(200_000);
    const got = collect(sub, 2);
    await pub.publishAsync('web/small', 'hello', { qos: 1 });
    await pub.publishAsync('web/big', big, { qos: 0 });
    expect((await got).map((m) => [m.topic, m.payload.length])).toEqual([
      ['web/small', 5],
      ['web/big', 200_000],
    ]);
    await waitForLog(
      t.logs,
      /New WebSocket connection from 127\.0\.0\.1:\d+ on port \d+ \(subprotocol 'mqtt'\)/,
    );
    await waitForLog(t.logs, /New secure WebSocket connection from 127\.0\.0\.1:\d+/);
  });

  it('a plain HTTP request gets 426 Upgrade Required', async () => {
    t = await startSecureBroker(wsConf(), certs.dir);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${t!.port('ws')}/`, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
        .on('error', reject);
    });
    expect(status).toBe(426);
  });

  it('a WebSocket without the mqtt subprotocol is refused at the upgrade', async () => {
    t = await startSecureBroker(wsConf(), certs.dir);
    const outcome = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${t!.port('ws')}`, ['chat']);
      ws.on('open', () => {
        ws.close();
        resolve('open');
      });
      ws.on('error', (e) => resolve(e.message));
    });
    expect(outcome).toMatch(/Server sent no subprotocol/);
    expect(t.broker.connectedCount()).toBe(0);
  });

  it('garbage over the WebSocket closes only that connection', async () => {
    t = await startSecureBroker(wsConf(), certs.dir);
    const good = await client(`ws://127.0.0.1:${t.port('ws')}`, { clientId: 'good' });
    await good.subscribeAsync('still/here');
    const closed = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${t!.port('ws')}`, ['mqtt']);
      ws.on('open', () => ws.send(Buffer.from([0xf0, 0x00, 0xff, 0xff])));
      ws.on('close', () => resolve(true));
      ws.on('error', () => {});
    });
    expect(closed).toBe(true);
    const got = collect(good, 1);
    const other = await client(`ws://127.0.0.1:${t.port('ws')}`, { clientId: 'other' });
    await other.publishAsync('still/here', 'yes');
    expect((await got)[0]?.payload).toBe('yes');
  });

  it('wss with require_certificate: a client certificate is needed, and its CN is logged', async () => {
    t = await startSecureBroker(wsConf('require_certificate true'), certs.dir);
    const url = `wss://127.0.0.1:${t.port('wss')}`;
    const ca = readFileSync(certs.ca);
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 2000, ca })).rejects.toThrow();
    const c = await client(url, {
      ca,
      cert: readFileSync(certs.clientCert),
      key: readFileSync(certs.clientKey),
    });
    expect(c.connected).toBe(true);
    await waitForLog(t.logs, /New secure WebSocket connection from .* certificate CN 'browser-1'/);
  });
});
