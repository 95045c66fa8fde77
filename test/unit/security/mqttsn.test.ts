/**
 * The gateway's security hook: admission by ClientId and address (MQTT-SN §5.4.4 has no
 * credentials), QoS −1 senders by address and ACL (§6.8).
 */
import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../../src/observe/logger.js';
import { createAclAuthorizer, parseAclFile } from '../../../src/security/acl.js';
import { parseAdmissionFile } from '../../../src/security/admission.js';
import { createSnSecurity } from '../../../src/security/mqttsn.js';

const admission = parseAdmissionFile(
  'client sensor-* address udp:127.0.0.1:* user sensors\nclient any-*\n',
  'admit',
);
const acl = createAclAuthorizer(parseAclFile('user sensors\ntopic write sensors/#\n', 'acl'));

describe('MQTT-SN security', () => {
  it('admits listed clients with their username, refuses others with a reason, logged and counted', () => {
    const lines: string[] = [];
    const sn = createSnSecurity(
      admission,
      acl,
      createLogger('warn', (l) => lines.push(l)),
    )!;
    expect(sn.admit('sensor-1', 'udp:127.0.0.1:5000')).toEqual({ ok: true, username: 'sensors' });
    expect(sn.admit('any-1', 'udp:10.1.1.1:5000')).toEqual({ ok: true });
    expect(sn.admit('sensor-1', 'udp:10.1.1.1:5000')).toEqual({
      ok: false,
      why: "ClientId 'sensor-1' from udp:10.1.1.1:5000 is not in admit",
    });
    expect(sn.counters.refusedConnects).toBe(1);
    expect(lines[0]).toMatch(/MQTT-SN admission refused: ClientId 'sensor-1' from udp:10\.1\.1\.1:5000/);
  });

  it('a refused ClientId with a line break cannot forge a log line of its own', () => {
    const lines: string[] = [];
    const sn = createSnSecurity(
      admission,
      acl,
      createLogger('warn', (l) => lines.push(l)),
    )!;
    const forged = 'x\n2026-01-01T00:00:00.000Z INFO admitted';
    expect(sn.admit(forged, 'udp:10.1.1.1:5000')).toMatchObject({ ok: false });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(lines[0]).toContain("ClientId 'x\\n2026-01-01T00:00:00.000Z INFO admitted'");
  });

  it('QoS −1: address admitted and topic writable for the entry’s user', () => {
    const sn = createSnSecurity(admission, acl, silentLogger)!;
    expect(sn.admitQosMinus1('udp:127.0.0.1:7', 'sensors/t')).toEqual({ ok: true, username: 'sensors' });
    expect(sn.admitQosMinus1('udp:127.0.0.1:7', 'other')).toMatchObject({ ok: false });
    expect(sn.admitQosMinus1('udp:10.0.0.1:7', 'sensors/t')).toMatchObject({
      ok: false,
      why: 'sender udp:10.0.0.1:7 is not in admit',
    });
    expect(sn.counters.refusedQosMinus1).toBe(2);
  });

  it('ACL only (no admission list): everyone admitted, QoS −1 checked as anonymous', () => {
    const sn = createSnSecurity(
      undefined,
      createAclAuthorizer(parseAclFile('topic write open/#', 'a')),
      silentLogger,
    )!;
    expect(sn.admit('x', 'udp:1.2.3.4:1')).toEqual({ ok: true });
    expect(sn.admitQosMinus1('udp:1.2.3.4:1', 'open/x')).toEqual({ ok: true });
    expect(sn.admitQosMinus1('udp:1.2.3.4:1', 'closed')).toMatchObject({ ok: false });
  });

  it('nothing configured: no hook at all', () => {
    expect(createSnSecurity(undefined, undefined, silentLogger)).toBeUndefined();
  });
});
