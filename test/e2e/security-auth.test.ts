/**
 * Users and passwords with the real mosquitto tools: a password file made by mosquitto_passwd,
 * mosquitto_pub/sub with -u/-P (3.1.1 and v5), allow_anonymous false, MQTT.js over WebSockets,
 * and use_identity_as_username: the client certificate's CN is the username the ACL sees.
 * Outcomes: wrong password or unknown user → CONNACK rc 4 (v5 0x86); anonymous refused → rc 5
 * (v5 0x87); the password never appears in the log.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, endAll } from '../helpers/mqtt/mqttjs.js';
import { makeTestCerts, type TestCerts } from '../unit/security/certs.js';
import { run, type SecureBroker, startSecureBroker, waitForLog } from '../unit/security/secure-harness.js';

let certs: TestCerts;
let t: SecureBroker | undefined;
const clients: mqtt.MqttClient[] = [];

beforeAll(() => {
  certs = makeTestCerts('device-1');
  const pw = join(certs.dir, 'passwd');
  execFileSync('mosquitto_passwd', ['-c', '-b', pw, 'alice', 's3cret-pw']);
  execFileSync('mosquitto_passwd', ['-H', 'sha512', '-b', pw, 'old', 'legacy-pw']);
  writeFileSync(
    join(certs.dir, 'acl'),
    ['user alice', 'topic readwrite #', 'user device-1', 'topic readwrite devices/device-1/#'].join('\n'),
  );
});
afterAll(() => certs.cleanup());
afterEach(async () => {
  await endAll(...clients.splice(0));
  await t?.close();
  t = undefined;
});

const conf = (extra = ''): string =>
  [
    'listener 0 127.0.0.1',
    'tls_listener 0 127.0.0.1',
    'ws_listener 0 127.0.0.1',
    `certfile ${certs.serverCert}`,
    `keyfile ${certs.serverKey}`,
    `cafile ${certs.ca}`,
    'allow_anonymous false',
    `password_file ${join(certs.dir, 'passwd')}`,
    extra,
  ].join('\n');

const tcp = (...args: string[]): string[] => ['-h', '127.0.0.1', '-p', String(t!.port('tcp')), ...args];

describe('password file from mosquitto_passwd', () => {
  it('-u/-P with the right password publishes and subscribes ($7$ and $6$ users)', async () => {
    t = await startSecureBroker(conf(), certs.dir);
    const ws = await mqtt.connectAsync(`ws://127.0.0.1:${t.port('ws')}`, {
      reconnectPeriod: 0,
      username: 'old',
      password: 'legacy-pw',
    });
    clients.push(ws);
    await ws.subscribeAsync('auth/t');
    const got = collect(ws, 2);
    for (const v of ['mqttv311', 'mqttv5']) {
      const pub = await run(
        'mosquitto_pub',
        tcp('-V', v, '-u', 'alice', '-P', 's3cret-pw', '-t', 'auth/t', '-m', v),
      );
      expect(pub.code).toBe(0);
    }
    expect((await got).map((m) => m.payload)).toEqual(['mqttv311', 'mqttv5']);
    expect(t.logs.join('\n')).not.toContain('s3cret-pw');
    expect(t.logs.join('\n')).not.toContain('legacy-pw');
  });

  it('a wrong password or an unknown user gets rc 4 / 0x86; the password is not logged', async () => {
    t = await startSecureBroker(conf(), certs.dir);
    const wrong = await run('mosquitto_pub', tcp('-u', 'alice', '-P', 'guess-123', '-t', 'x', '-m', 'y'));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/bad user name or password/i);
    const unknown = await run(
      'mosquitto_pub',
      tcp('-V', 'mqttv5', '-u', 'mallory', '-P', 's3cret-pw', '-t', 'x', '-m', 'y'),
    );
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/bad user name or password/i);
    await waitForLog(t.logs, /bad username or password for user 'alice'/);
    expect(t.logs.join('\n')).not.toContain('guess-123');
    expect(t.broker.connectedCount()).toBe(0);
  });

  it('allow_anonymous false: a client without username gets rc 5 / 0x87', async () => {
    t = await startSecureBroker(conf(), certs.dir);
    for (const v of ['mqttv311', 'mqttv5']) {
      const anon = await run('mosquitto_pub', tcp('-V', v, '-t', 'x', '-m', 'y'));
      expect(anon.code).not.toBe(0);
      expect(anon.stderr).toMatch(/not authori[sz]ed/i);
    }
    await waitForLog(t.logs, /anonymous clients are not allowed/);
  });

  it('the same rules over WebSockets (MQTT.js)', async () => {
    t = await startSecureBroker(conf(), certs.dir);
    const url = `ws://127.0.0.1:${t.port('ws')}`;
    await expect(
      mqtt.connectAsync(url, { reconnectPeriod: 0, username: 'alice', password: 'nope', protocolVersion: 5 }),
    ).rejects.toThrow(/Bad User Name or Password/i);
    const ok = await mqtt.connectAsync(url, { reconnectPeriod: 0, username: 'alice', password: 's3cret-pw' });
    clients.push(ok);
    expect(ok.connected).toBe(true);
  });
});

describe('use_identity_as_username', () => {
  it("the certificate's CN is the username: the ACL of user device-1 applies, -u is ignored", async () => {
    t = await startSecureBroker(
      conf(`require_certificate true\nuse_identity_as_username true\nacl_file ${join(certs.dir, 'acl')}`),
      certs.dir,
    );
    const watcher = await mqtt.connectAsync(`ws://127.0.0.1:${t.port('ws')}`, {
      reconnectPeriod: 0,
      username: 'alice',
      password: 's3cret-pw',
    });
    clients.push(watcher);
    await watcher.subscribeAsync('#');
    const got = collect(watcher, 1);
    const withCert = (...args: string[]): string[] => [
      ...['-h', '127.0.0.1', '-p', String(t!.port('tls')), '--cafile', certs.ca],
      ...['--cert', certs.clientCert, '--key', certs.clientKey, ...args],
    ];
    // Claims to be alice (who may write anywhere) but is device-1: the ACL of device-1 applies.
    expect((await run('mosquitto_pub', withCert('-u', 'alice', '-t', 'elsewhere', '-m', 'no'))).code).toBe(0);
    expect((await run('mosquitto_pub', withCert('-t', 'devices/device-1/temp', '-m', '21'))).code).toBe(0);
    expect((await got).map((m) => `${m.topic}=${m.payload}`)).toEqual(['devices/device-1/temp=21']);
    await waitForLog(t.logs, /New client connected from .* as .* \(p2, c1, k60, u'device-1'\)/);
  });
});
