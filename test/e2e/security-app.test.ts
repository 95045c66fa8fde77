/**
 * The whole application (startGateway) from a gateway.conf with the security keys: TLS listener,
 * password file made by mosquitto_passwd, ACL, connection limits, MQTT-SN admission — checked with
 * mosquitto_pub / mosquitto_sub as a user would.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startGateway } from '../../src/app.js';
import { parseGatewayConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observe/logger.js';
import { makeTestCerts, type TestCerts } from '../unit/security/certs.js';
import { run } from '../unit/security/secure-harness.js';

let certs: TestCerts;
let app: RunningApp | undefined;
const logs: string[] = [];

beforeAll(() => {
  certs = makeTestCerts('device-1');
  execFileSync('mosquitto_passwd', ['-c', '-b', join(certs.dir, 'passwd'), 'alice', 'secret']);
  writeFileSync(join(certs.dir, 'acl'), 'user alice\ntopic readwrite lab/#\n');
  writeFileSync(join(certs.dir, 'admit'), 'client sensor-* address udp:127.0.0.1:*\n');
});
afterAll(() => certs.cleanup());
afterEach(async () => {
  await app?.close();
  app = undefined;
  logs.length = 0;
});

async function start(extra = ''): Promise<RunningApp> {
  const conf = [
    'listener 0 127.0.0.1',
    'tls_listener 0 127.0.0.1',
    `certfile ${certs.serverCert}`,
    `keyfile ${certs.serverKey}`,
    'allow_anonymous false',
    `password_file ${join(certs.dir, 'passwd')}`,
    `acl_file ${join(certs.dir, 'acl')}`,
    `mqttsn_admission_file ${join(certs.dir, 'admit')}`,
    'mqttsn_udp 0 127.0.0.1',
    'persistence false',
    extra,
  ].join('\n');
  const config = parseGatewayConfig(conf, { file: 'gateway.conf', baseDir: certs.dir });
  app = await startGateway(
    config,
    createLogger('info', (l) => logs.push(l)),
  );
  return app;
}

describe('the app with security keys', () => {
  it('logs its security settings; -u/-P and the ACL apply on the plain listener', async () => {
    const a = await start();
    expect(logs.some((l) => l.includes('Security: acl_file'))).toBe(true);
    const port = String(a.mqttPorts[0]);
    const ok = await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-u',
      'alice',
      '-P',
      'secret',
      '-t',
      'lab/x',
      '-m',
      '1',
    ]);
    expect(ok.code).toBe(0);
    const bad = await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-u',
      'alice',
      '-P',
      'nope',
      '-t',
      'lab/x',
      '-m',
      '1',
    ]);
    expect(bad.stderr).toMatch(/bad user name or password/i);
    const denied = await run('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-u',
      'alice',
      '-P',
      'secret',
      '-t',
      '#',
      '-d',
      '-W',
      '1',
    ]);
    expect(denied.stdout).toMatch(/Subscribed \(mid: 1\): 128/);
  });
});
