/**
 * The MQTT-SN admission list (MQTT-SN v1.2 has no credentials, §5.4.4): ClientId and address
 * patterns, the username an entry gives, QoS −1 senders by address (§6.8).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadAdmissionFile, parseAdmissionFile } from '../../../src/security/admission.js';
import { compileWildcard } from '../../../src/security/wildcard.js';

const LIST = `
# sensors of the greenhouse, any port of their host
client greenhouse-?? address udp:192.168.1.*:* user sensors
client boiler address serial:/dev/ttyUSB0
client xb-* address xbee:/dev/ttyUSB0:0013a200*
client lab-*            # anywhere, anonymous for the ACL
client fwd address udp:10.0.0.1:1884/node:0a user radio
`;

describe('admission list', () => {
  const list = parseAdmissionFile(LIST, 'admit');

  it('admits by ClientId and address, with the username of the entry', () => {
    expect(list.size).toBe(5);
    expect(list.admit('greenhouse-01', 'udp:192.168.1.20:40000')).toEqual({
      ok: true,
      username: 'sensors',
      line: 3,
    });
    expect(list.admit('boiler', 'serial:/dev/ttyUSB0')).toEqual({ ok: true, line: 4 });
    expect(list.admit('xb-7', 'xbee:/dev/ttyUSB0:0013a20040a1b2c3:fffe')).toEqual({ ok: true, line: 5 });
    expect(list.admit('lab-1', 'udp6:[::1]:5000')).toEqual({ ok: true, line: 6 });
    expect(list.admit('fwd', 'udp:10.0.0.1:1884/node:0a')).toMatchObject({ ok: true, username: 'radio' });
  });

  it('refuses unknown ids, and known ids from another address (spoofing)', () => {
    expect(list.admit('intruder', 'udp:192.168.1.20:40000')).toEqual({ ok: false });
    expect(list.admit('greenhouse-01', 'udp:192.168.2.20:40000')).toEqual({ ok: false });
    expect(list.admit('greenhouse-1', 'udp:192.168.1.20:40000')).toEqual({ ok: false }); // ?? = 2 chars
    expect(list.admit('boiler', 'serial:/dev/ttyUSB1')).toEqual({ ok: false });
    expect(list.admit('fwd', 'udp:10.0.0.1:1884/node:0b')).toEqual({ ok: false });
    expect(list.admit('fwd', 'udp:10.0.0.1:1884')).toEqual({ ok: false });
  });

  it('QoS −1 senders are admitted by address only, by entries that name one', () => {
    expect(list.admitAddress('udp:192.168.1.9:1234')).toMatchObject({ ok: true, username: 'sensors' });
    expect(list.admitAddress('serial:/dev/ttyUSB0')).toMatchObject({ ok: true });
    expect(list.admitAddress('udp:127.0.0.1:1234')).toEqual({ ok: false }); // `lab-*` has no address
  });

  it('first matching entry wins', () => {
    const l = parseAdmissionFile('client a* user first\nclient a1 user second', 'f');
    expect(l.admit('a1', 'x')).toMatchObject({ username: 'first' });
  });

  it('errors name the file and line', () => {
    expect(() => parseAdmissionFile('\nhost x', '/etc/a')).toThrow(
      "/etc/a:2: unknown keyword 'host' (expected client)",
    );
    expect(() => parseAdmissionFile('client', '/etc/a')).toThrow(
      '/etc/a:1: `client` without a ClientId pattern',
    );
    expect(() => parseAdmissionFile('client a user', '/etc/a')).toThrow("/etc/a:1: 'user' without a value");
    expect(() => parseAdmissionFile('client a port 3', '/etc/a')).toThrow(
      "/etc/a:1: unknown option 'port' (expected address or user)",
    );
    expect(() => parseAdmissionFile('client a user b user c', '/etc/a')).toThrow(
      "/etc/a:1: 'user' given twice",
    );
  });

  it('loads from disk, with a clear error when the file is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'admit-'));
    try {
      const file = join(dir, 'admit');
      writeFileSync(file, LIST);
      expect(loadAdmissionFile(file).size).toBe(5);
      expect(() => loadAdmissionFile(join(dir, 'none'))).toThrow(/none: cannot read MQTT-SN admission file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('wildcards', () => {
  it('* and ? only; regex characters are literal', () => {
    expect(compileWildcard('a.b').test('a.b')).toBe(true);
    expect(compileWildcard('a.b').test('axb')).toBe(false);
    expect(compileWildcard('[x]+(y)').test('[x]+(y)')).toBe(true);
    expect(compileWildcard('*').test('')).toBe(true);
    expect(compileWildcard('a?c').test('a\nc')).toBe(true);
    expect(compileWildcard('a*').test('ba')).toBe(false);
  });

  it('matches like the equivalent regular expression', () => {
    const reference = (pattern: string): RegExp =>
      new RegExp(`^${pattern.replaceAll('*', '.*').replaceAll('?', '.')}$`, 's');
    const symbols = fc.constantFrom('a', 'b', ':', '*', '?');
    fc.assert(
      fc.property(
        fc.string({ unit: symbols, maxLength: 8 }),
        fc.string({ unit: symbols, maxLength: 12 }),
        (p, t) => {
          expect(compileWildcard(p).test(t)).toBe(reference(p).test(t));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a near-miss on a long peer-chosen text does not backtrack for ever', () => {
    // As a regular expression this pair blocks for about a minute, past vitest's test timeout.
    const key = `udp:${':'.repeat(1000)}`;
    expect(compileWildcard('udp:*:*:*:*x').test(key)).toBe(false);
    expect(compileWildcard('udp:*:*:*:*').test(key)).toBe(true);
  });

  it('? is one character, even outside the Basic Multilingual Plane', () => {
    expect(compileWildcard('s?').test('s😀')).toBe(true);
  });
});
