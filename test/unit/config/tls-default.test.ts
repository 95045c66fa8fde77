/** A certificate and key without a TLS listener serve TLS on 8883 (issue 7: "A TLS listener (default 8883)"). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tls-default-'));
writeFileSync(join(dir, 'server.crt'), 'x');
writeFileSync(join(dir, 'server.key'), 'x');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (lines: string[]) =>
  parseGatewayConfig(lines.join('\n'), { file: 'gateway.conf', baseDir: dir });

describe('default TLS listener', () => {
  it('certfile and keyfile alone mean TLS on 8883', () => {
    expect(parse(['certfile server.crt', 'keyfile server.key']).tlsListeners).toEqual([{ port: 8883 }]);
  });
  it('an explicit tls_listener or wss_listener replaces the default', () => {
    const tls = parse(['certfile server.crt', 'keyfile server.key', 'tls_listener 8884']);
    expect(tls.tlsListeners.map((l) => l.port)).toEqual([8884]);
    const wss = parse(['certfile server.crt', 'keyfile server.key', 'wss_listener 8081']);
    expect(wss.tlsListeners).toEqual([]);
  });
  it('no certificate, no TLS', () => {
    expect(parse(['listener 1883']).tlsListeners).toEqual([]);
  });
});
