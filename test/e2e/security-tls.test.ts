/**
 * TLS listener with the real mosquitto_pub / mosquitto_sub: server certificate checked with
 * --cafile, TLS 1.2 minimum (1.3 when configured), client certificates with require_certificate
 * (--cert/--key), refusals of missing and foreign certificates. Certificates made by openssl.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, type TestCerts } from '../unit/security/certs.js';
import { run, type SecureBroker, startSecureBroker, waitForLog } from '../unit/security/secure-harness.js';

let certs: TestCerts;
let t: SecureBroker | undefined;
const children: ChildProcess[] = [];

beforeAll(() => {
  certs = makeTestCerts('device-1');
});
afterAll(() => certs.cleanup());
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await t?.close();
  t = undefined;
});

function tlsConf(extra = ''): string {
  return [
    'tls_listener 0 127.0.0.1',
    `certfile ${certs.serverCert}`,
    `keyfile ${certs.serverKey}`,
    `cafile ${certs.ca}`,
    extra,
  ].join('\n');
}

const tlsArgs = (): string[] => ['-h', '127.0.0.1', '-p', String(t!.port('tls')), '--cafile', certs.ca];

/** A mosquitto_sub that waits for one message; resolves with its output and exit code. */
function subscriber(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn('mosquitto_sub', [...args, '-C', '1', '-W', '10'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  // 'close', not 'exit': stdout may still hold data when the process has exited.
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

describe('TLS listener', () => {
  it('mosquitto_sub and mosquitto_pub over TLS with --cafile (v3.1.1 and v5)', async () => {
    t = await startSecureBroker(tlsConf(), certs.dir);
    for (const v of ['mqttv311', 'mqttv5']) {
      const got = subscriber([...tlsArgs(), '-V', v, '-i', `sub-${v}`, '-t', 'tls/test', '-v']);
      await waitForLog(t.logs, new RegExp(`Sending SUBACK to sub-${v}`));
      const pub = await run('mosquitto_pub', [
        ...tlsArgs(),
        '-V',
        v,
        '-t',
        'tls/test',
        '-m',
        `over-tls-${v}`,
      ]);
      expect(pub.code).toBe(0);
      expect(await got).toEqual({ code: 0, out: `tls/test over-tls-${v}\n` });
    }
    expect(
      t.logs.some((l) => /New TLS connection from 127\.0\.0\.1:\d+ on port \d+ \(TLSv1\.3\)/.test(l)),
    ).toBe(true);
  });

  it('a client that does not trust our CA fails, and nothing reaches the broker', async () => {
    t = await startSecureBroker(tlsConf(), certs.dir);
    const pub = await run('mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', String(t.port('tls')), '--cafile', certs.strangerCert],
      ...['-t', 'x', '-m', 'y'],
    ]);
    expect(pub.code).not.toBe(0);
    expect(t.broker.connectedCount()).toBe(0);
  });

  /** openssl s_client limited to one TLS version; exits 0 once the handshake succeeded. */
  const handshake = (version: string): Promise<{ code: number }> =>
    run('openssl', [
      ...['s_client', '-connect', `127.0.0.1:${t!.port('tls')}`, '-CAfile', certs.ca, `-${version}`],
      ...['-cipher', 'DEFAULT@SECLEVEL=0'], // lets OpenSSL 3 offer TLS 1.1 at all, so the server decides
    ]);

  it('TLS 1.1 is refused, TLS 1.2 accepted by default; tls_version tlsv1.3 refuses TLS 1.2', async () => {
    t = await startSecureBroker(tlsConf(), certs.dir);
    expect((await handshake('tls1_1')).code).not.toBe(0);
    await waitForLog(t.logs, /TLS handshake with 127\.0\.0\.1:\d+ failed: .*unsupported protocol/);
    expect((await handshake('tls1_2')).code).toBe(0);
    await waitForLog(t.logs, /New TLS connection from .* \(TLSv1\.2\)/);
    await t.close();
    t = await startSecureBroker(tlsConf('tls_version tlsv1.3'), certs.dir);
    expect((await handshake('tls1_2')).code).not.toBe(0);
    await waitForLog(t.logs, /TLS handshake with 127\.0\.0\.1:\d+ failed: .*unsupported protocol/);
    expect((await handshake('tls1_3')).code).toBe(0);
    await waitForLog(t.logs, /New TLS connection from .* \(TLSv1\.3\)/);
  });
});

describe('require_certificate', () => {
  it('a client certificate from our CA is accepted and its CN logged', async () => {
    t = await startSecureBroker(tlsConf('require_certificate true'), certs.dir);
    const got = subscriber([...tlsArgs(), '--cert', certs.clientCert, '--key', certs.clientKey, '-t', 'c/t']);
    await waitForLog(t.logs, /Sending SUBACK to /);
    const pub = await run('mosquitto_pub', [
      ...tlsArgs(),
      ...['--cert', certs.clientCert, '--key', certs.clientKey, '-t', 'c/t', '-m', 'with-cert'],
    ]);
    expect(pub.code).toBe(0);
    expect(await got).toEqual({ code: 0, out: 'with-cert\n' });
    await waitForLog(t.logs, /New TLS connection from .* certificate CN 'device-1'/);
  });

  it('no certificate, or one from another CA, is refused during the handshake', async () => {
    t = await startSecureBroker(tlsConf('require_certificate true'), certs.dir);
    const none = await run('mosquitto_pub', [...tlsArgs(), '-t', 'x', '-m', 'y']);
    expect(none.code).not.toBe(0);
    const stranger = await run('mosquitto_pub', [
      ...tlsArgs(),
      ...['--cert', certs.strangerCert, '--key', certs.strangerKey, '-t', 'x', '-m', 'y'],
    ]);
    expect(stranger.code).not.toBe(0);
    await waitForLog(t.logs, /TLS handshake with 127\.0\.0\.1:\d+ failed: /);
    expect(t.logs.some((l) => l.includes('New TLS connection'))).toBe(false);
    expect(t.broker.connectedCount()).toBe(0);
  });
});

describe('setup errors', () => {
  it('a certificate that is not PEM, or a key that does not match, is a TlsSetupError', async () => {
    writeFileSync(join(certs.dir, 'garbage.crt'), 'not a certificate\n');
    const conf = (cert: string, key: string): string =>
      ['tls_listener 0 127.0.0.1', `certfile ${cert}`, `keyfile ${key}`].join('\n');
    await expect(
      startSecureBroker(conf(join(certs.dir, 'garbage.crt'), certs.serverKey), certs.dir),
    ).rejects.toThrow(/^certfile\/keyfile: unusable certificate or key: /);
    await expect(startSecureBroker(conf(certs.serverCert, certs.clientKey), certs.dir)).rejects.toThrow(
      /^certfile\/keyfile: unusable certificate or key: .*key values mismatch/,
    );
  });
});
