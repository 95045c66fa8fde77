/**
 * allow_anonymous, password_file (made by mosquitto_passwd) and use_identity_as_username, and
 * loadSecurity reading every security file named by gateway.conf.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReasonCode } from '../../../src/broker/types.js';
import { createLogger, silentLogger } from '../../../src/observe/logger.js';
import { createAclAuthorizer, parseAclFile } from '../../../src/security/acl.js';
import { createAuthenticator } from '../../../src/security/authenticate.js';
import { SecurityFileError } from '../../../src/security/errors.js';
import { guardedAuthorizer } from '../../../src/security/guard.js';
import { loadPasswordFile } from '../../../src/security/password-file.js';
import { loadSecurity, type SecurityConfig } from '../../../src/security/setup.js';

let dir: string;
let pwFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'auth-'));
  pwFile = join(dir, 'passwd');
  execFileSync('mosquitto_passwd', ['-c', '-b', pwFile, 'alice', 'secret']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const req = (username?: string, password?: string, certificateIdentity?: string) => ({
  clientId: 'c',
  peer: '127.0.0.1:1',
  ...(username === undefined ? {} : { username }),
  ...(password === undefined ? {} : { password: Buffer.from(password) }),
  ...(certificateIdentity === undefined ? {} : { certificateIdentity }),
});

describe('authenticator', () => {
  it('anonymous clients: allowed or NotAuthorized', () => {
    expect(createAuthenticator({ allowAnonymous: true, useIdentityAsUsername: false })(req())).toEqual({
      ok: true,
    });
    expect(createAuthenticator({ allowAnonymous: false, useIdentityAsUsername: false })(req())).toEqual({
      ok: false,
      reason: ReasonCode.NotAuthorized,
      why: 'anonymous clients are not allowed',
    });
  });

  it('password file: right password in, wrong or missing password and unknown users out (0x86)', () => {
    const auth = createAuthenticator({
      allowAnonymous: false,
      useIdentityAsUsername: false,
      passwords: loadPasswordFile(pwFile),
    });
    expect(auth(req('alice', 'secret'))).toEqual({ ok: true, username: 'alice' });
    const wrong = auth(req('alice', 'Secret'));
    expect(wrong).toMatchObject({ ok: false, reason: ReasonCode.BadUserNameOrPassword });
    expect(JSON.stringify(wrong)).not.toContain('Secret');
    expect(auth(req('mallory', 'secret'))).toMatchObject({
      ok: false,
      reason: ReasonCode.BadUserNameOrPassword,
    });
    expect(auth(req('alice'))).toMatchObject({ ok: false, why: "no password given for user 'alice'" });
  });

  it('without a password file a username is taken as given', () => {
    const auth = createAuthenticator({ allowAnonymous: false, useIdentityAsUsername: false });
    expect(auth(req('anyone'))).toEqual({ ok: true, username: 'anyone' });
  });

  it('use_identity_as_username: the certificate CN is the username, CONNECT credentials ignored', () => {
    const auth = createAuthenticator({
      allowAnonymous: false,
      useIdentityAsUsername: true,
      passwords: loadPasswordFile(pwFile),
    });
    expect(auth(req('alice', 'wrong', 'device-7'))).toEqual({ ok: true, username: 'device-7' });
    expect(auth(req(undefined, undefined, 'device-7'))).toEqual({ ok: true, username: 'device-7' });
    // Without a certificate (plain listener) the password path applies.
    expect(auth(req('alice', 'wrong'))).toMatchObject({ ok: false });
    expect(auth(req('alice', 'secret'))).toEqual({ ok: true, username: 'alice' });
  });
});

describe('loadSecurity', () => {
  const base: SecurityConfig = {
    allowAnonymous: true,
    useIdentityAsUsername: false,
    maxConnections: -1,
    maxConnectionsPerAddress: -1,
    connectionRate: 0,
    maxTopicLength: 65_535,
    maxTopicLevels: 0,
  };

  it('nothing configured: anonymous allowed, no authorizer, no admission list', () => {
    const s = loadSecurity(base, silentLogger);
    expect(s.authorizer).toBeUndefined();
    expect(s.admission).toBeUndefined();
    expect(s.authenticate(req())).toEqual({ ok: true });
    expect(s.summary).toContain('no acl_file: every client may publish and subscribe anywhere');
  });

  it('loads every file and summarises without secrets', () => {
    const acl = join(dir, 'acl');
    const admit = join(dir, 'admit');
    writeFileSync(acl, 'user alice\ntopic readwrite a/#\npattern read x/%c\n');
    writeFileSync(admit, 'client sn-* address udp:127.0.0.1:*\n');
    const s = loadSecurity(
      { ...base, passwordFile: pwFile, aclFile: acl, mqttsnAdmissionFile: admit },
      silentLogger,
    );
    expect(s.authorizer?.canPublish('c', 'alice', 'a/b')).toBe(true);
    expect(s.admission?.admit('sn-1', 'udp:127.0.0.1:9')).toMatchObject({ ok: true });
    expect(s.summary.join('\n')).toBe(
      [
        'allow_anonymous true',
        `password_file ${pwFile}: 1 users`,
        `acl_file ${acl}: 1 users, 0 anonymous rules, 1 patterns`,
        `mqttsn_admission_file ${admit}: 1 entries`,
      ].join('\n'),
    );
  });

  it('a bad file stops start-up with its name and line', () => {
    const acl = join(dir, 'bad-acl');
    writeFileSync(acl, 'user bob\ntopic read a/#/b\n');
    expect(() => loadSecurity({ ...base, aclFile: acl }, silentLogger)).toThrow(SecurityFileError);
    writeFileSync(acl, 'user bob\nlevel read x\n');
    expect(() => loadSecurity({ ...base, aclFile: acl }, silentLogger)).toThrow(
      `${acl}:2: unknown keyword 'level'`,
    );
  });
});

describe('guarded authorizer (ACL + topic limits)', () => {
  const limits = { maxTopicLength: 10, maxTopicLevels: 3 };

  it('refuses topics over a limit, logs and counts; without ACL everything else is allowed', () => {
    const lines: string[] = [];
    const g = guardedAuthorizer(
      undefined,
      limits,
      createLogger('warn', (l) => lines.push(l)),
    );
    if (g === undefined) throw new Error('expected an authorizer');
    expect(g.canPublish('c1', undefined, 'a/b/c')).toBe(true);
    expect(g.canPublish('c1', undefined, 'a/b/c/d')).toBe(false);
    expect(g.canSubscribe('c1', undefined, '$share/group/a/b/c')).toBe(true);
    expect(g.canSubscribe('c1', undefined, 'abcdefghijk')).toBe(false);
    expect(g.canRead('c1', undefined, 'a/b/c/d/e/f')).toBe(true);
    expect(g.counters.topicLimit).toBe(2);
    expect(lines[0]).toMatch(/Client c1: PUBLISH refused: topic of 4 levels exceeds max_topic_levels 3$/);
  });

  it('counts ACL refusals', () => {
    const acl = createAclAuthorizer(parseAclFile('topic read a/#', 'acl'));
    const g = guardedAuthorizer(acl, { maxTopicLength: 65_535, maxTopicLevels: 0 }, silentLogger)!;
    expect(g.canPublish('c', undefined, 'a/b')).toBe(false);
    expect(g.canSubscribe('c', undefined, '#')).toBe(false);
    expect(g.canRead('c', undefined, 'b')).toBe(false);
    expect(g.canRead('c', undefined, 'a/b')).toBe(true);
    expect(g.counters).toEqual({ topicLimit: 0, publishDenied: 1, subscribeDenied: 1, readDenied: 1 });
  });

  it('nothing to enforce: no authorizer at all (the core skips the calls)', () => {
    expect(guardedAuthorizer(undefined, { maxTopicLength: 65_535, maxTopicLevels: 0 }, silentLogger)).toBe(
      undefined,
    );
  });
});
