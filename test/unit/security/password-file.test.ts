/**
 * Password files made by the real `mosquitto_passwd` (Debian's mosquitto package) are read
 * unchanged: PBKDF2-SHA512 ($7$, the 2.x default) and SHA-512 ($6$, `-H sha512`).
 */

import { execFileSync } from 'node:child_process';
import { pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityFileError } from '../../../src/security/errors.js';
import { loadPasswordFile, parsePasswordFile } from '../../../src/security/password-file.js';

let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pwfile-'));
  file = join(dir, 'passwd');
  execFileSync('mosquitto_passwd', ['-c', '-b', file, 'alice', 'secret']);
  execFileSync('mosquitto_passwd', ['-b', file, 'bob', 'p@ss:w0rd $7$ ü']);
  execFileSync('mosquitto_passwd', ['-H', 'sha512', '-b', file, 'carol', 'hunter2']);
  execFileSync('mosquitto_passwd', ['-H', 'sha512-pbkdf2', '-b', file, 'dave', '']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('password file from mosquitto_passwd', () => {
  it('has the formats we expect ($7$ default, $6$ with -H sha512)', () => {
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^alice:\$7\$101\$/m);
    expect(text).toMatch(/^carol:\$6\$/m);
  });

  it('accepts the right passwords and refuses wrong ones', async () => {
    const pw = loadPasswordFile(file);
    expect(pw.size).toBe(4);
    expect(pw.checkSync('alice', Buffer.from('secret'))).toBe(true);
    expect(pw.checkSync('alice', Buffer.from('secreT'))).toBe(false);
    expect(pw.checkSync('bob', Buffer.from('p@ss:w0rd $7$ ü'))).toBe(true);
    expect(pw.checkSync('carol', Buffer.from('hunter2'))).toBe(true);
    expect(pw.checkSync('carol', Buffer.from('hunter3'))).toBe(false);
    expect(pw.checkSync('dave', Buffer.from(''))).toBe(true);
    expect(await pw.check('alice', Buffer.from('secret'))).toBe(true);
    expect(await pw.check('carol', Buffer.from('hunter2'))).toBe(true);
    expect(await pw.check('alice', Buffer.from('nope'))).toBe(false);
  });

  it('refuses unknown users and missing passwords', async () => {
    const pw = loadPasswordFile(file);
    expect(pw.checkSync('mallory', Buffer.from('secret'))).toBe(false);
    expect(await pw.check('mallory', Buffer.from('secret'))).toBe(false);
    expect(pw.checkSync('alice', undefined)).toBe(false);
    expect(pw.checkSync('dave', undefined)).toBe(false);
  });

  it('an unknown user costs as many PBKDF2 iterations as the slowest hash in the file', () => {
    const salt = Buffer.from('0123456789ab');
    const hash = pbkdf2Sync('pw', salt, 2000, 64, 'sha512');
    const slow = parsePasswordFile(
      `erin:$7$2000$${salt.toString('base64')}$${hash.toString('base64')}\n`,
      'pw',
    );
    expect(slow.checkSync('erin', Buffer.from('pw'))).toBe(true);
    expect(slow.decoyIterations).toBe(2000);
    expect(parsePasswordFile('', 'empty').decoyIterations).toBe(101);
  });

  it('keeps no clear password in memory (only what the file holds)', () => {
    const pw = loadPasswordFile(file);
    pw.checkSync('alice', Buffer.from('secret'));
    expect(JSON.stringify(pw)).not.toContain('secret');
  });

  it('updates done with mosquitto_passwd -D / re-add are seen on reload', () => {
    const copy = join(dir, 'copy');
    writeFileSync(copy, readFileSync(file));
    execFileSync('mosquitto_passwd', ['-D', copy, 'alice']);
    execFileSync('mosquitto_passwd', ['-b', copy, 'bob', 'changed']);
    const pw = loadPasswordFile(copy);
    expect(pw.has('alice')).toBe(false);
    expect(pw.checkSync('bob', Buffer.from('changed'))).toBe(true);
  });
});

describe('errors name the file and the line', () => {
  const bad = (text: string): SecurityFileError => {
    try {
      parsePasswordFile(text, '/etc/pw');
    } catch (error) {
      if (error instanceof SecurityFileError) return error;
      throw error;
    }
    throw new Error('no error');
  };

  it('clear-text password', () => {
    const e = bad('# users\n\nalice:secret\n');
    expect(e.message).toBe(
      '/etc/pw:3: password is not a mosquitto hash ($6$… or $7$…); a clear-text file must be converted with `mosquitto_passwd -U`',
    );
    expect(e.message).not.toContain('secret\n');
  });

  it('other malformed lines', () => {
    expect(bad('alice').message).toBe('/etc/pw:1: expected `username:hash`');
    expect(bad(':$6$a$b').message).toBe('/etc/pw:1: expected `username:hash`');
    expect(bad('a:$5$abc$def').message).toBe("/etc/pw:1: unknown password hash type '$5$'");
    expect(bad('a:$7$x$abc$def').message).toBe("/etc/pw:1: bad PBKDF2 iteration count 'x'");
    expect(bad('a:$7$101$a*b$def').message).toBe('/etc/pw:1: salt is not base64');
    expect(bad('a:$6$abcd$abcd').message).toBe('/etc/pw:1: SHA-512 hash is not 64 bytes');
  });

  it('a file that cannot be read', () => {
    expect(() => loadPasswordFile(join(dir, 'absent'))).toThrow(/absent: cannot read password file/);
  });

  it('a user listed twice', () => {
    const line = readFileSync(file, 'utf8').split('\n')[0]!;
    expect(bad(`${line}\n${line}\n`).message).toBe("/etc/pw:2: user 'alice' listed twice");
  });
});
