/**
 * Issue 7 "Done when": the README has a security section (threat model, defaults, TLS and users,
 * what MQTT-SN v1.2 cannot protect), here as a README section pointing to docs/security.md; and
 * every `$SYS/broker/security/...` counter the app publishes is documented there.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SECURITY_SYS_PREFIX, securityCounters } from '../../../src/security/sys.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const security = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');

describe('security documentation', () => {
  it('the README has a security section pointing to docs/security.md', () => {
    const section = readme.slice(readme.indexOf('\n## Security\n'));
    expect(readme).toContain('\n## Security\n');
    expect(section.slice(0, section.indexOf('\n## ', 5))).toContain('docs/security.md');
  });

  it('docs/security.md has the threat model, defaults, TLS and users set-up, MQTT-SN limits', () => {
    for (const heading of [
      '## Threat model',
      '## Defaults',
      '## Users and passwords',
      '## TLS',
      '## What MQTT-SN v1.2 cannot protect',
      '## Counters and logs',
    ]) {
      expect(security).toContain(`\n${heading}\n`);
    }
    expect(security).toMatch(/No encryption, no integrity on UDP/);
    expect(security).toContain('mosquitto_passwd -c');
  });

  it('every $SYS/broker/security counter is documented', () => {
    const topics = [
      ...securityCounters({
        limits: { accepted: 0, refusedMaxConnections: 0, refusedPerAddress: 0, refusedRate: 0 },
        metrics: { bytesReceived: 0, bytesSent: 0, messagesReceived: 0, messagesSent: 0, publishDropped: 0 },
      }).keys(),
    ];
    expect(topics.length).toBe(11);
    for (const topic of topics) expect(security).toContain(`\`${topic.slice(SECURITY_SYS_PREFIX.length)}\``);
  });
});
