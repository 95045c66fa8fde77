/**
 * The mqttsn-gateway binary as a user runs it (issue 2, "Foundation"): configuration errors name
 * file, line and key and exit 1; -v traces packets like `mosquitto -v`; SIGTERM shuts down cleanly.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, type GatewayProcess } from '../helpers/gateway-process.js';

const run = promisify(execFile);
const cli = resolve(import.meta.dirname, '../../bin/mqttsn-gateway.js');
const dirs: string[] = [];
const gateways: GatewayProcess[] = [];

function tempConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mqttsn-cli-'));
  dirs.push(dir);
  const file = join(dir, 'gateway.conf');
  writeFileSync(file, text);
  return file;
}

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.kill()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('mqttsn-gateway command line', () => {
  it('refuses a bad value, naming file, line and key, and exits 1', async () => {
    const file = tempConfig('# comment\nlistener 0 127.0.0.1\nmax_queued_messages lots\n');
    const result = await run(process.execPath, [cli, '-c', file]).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:3`);
    expect(result.stderr).toContain("'max_queued_messages'");
    expect(result.stderr).not.toContain('    at '); // no stack trace for a user's mistake
  });

  it('refuses an unknown key', async () => {
    const file = tempConfig('listener 0 127.0.0.1\nlistner 1883\n');
    const result = await run(process.execPath, [cli, '-c', file]).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/:2: .*'listner'/);
  });

  it('-v traces packets in and out, and SIGTERM exits 0 keeping sessions', async () => {
    const port = await freePort();
    const file = tempConfig(`listener ${port} 127.0.0.1\nmqttsn_udp 0 127.0.0.1\npersistence false\n`);
    const child = spawn(process.execPath, [cli, '-c', file, '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    try {
      await waitFor(() => log.includes(`${port}`), 10_000);
      await run('mosquitto_pub', [
        '-h',
        '127.0.0.1',
        '-p',
        `${port}`,
        '-i',
        'tracer',
        '-t',
        'a/b',
        '-m',
        'hi',
        '-q',
        '1',
      ]);
      await waitFor(() => log.includes('Sending PUBACK to tracer'), 5000);
      expect(log).toMatch(/Received PUBLISH from tracer .*'a\/b'/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

describe('mqttsn-gateway security files', () => {
  it('a bad ACL file stops start-up with one line naming file and line, no stack trace', async () => {
    const file = tempConfig(
      'listener 0 127.0.0.1\nmqttsn_udp 0 127.0.0.1\npersistence false\nacl_file acl\n',
    );
    writeFileSync(join(file, '..', 'acl'), 'topic read sensors/#\nthis is not an acl line\n');
    const result = await run(process.execPath, [cli, '-c', file]).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/acl:2/);
    expect(result.stderr).not.toContain('    at ');
  });
});
