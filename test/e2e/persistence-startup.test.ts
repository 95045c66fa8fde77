/**
 * Issue 3, start-up with a store file that is missing, corrupt, from a newer schema, or locked by
 * another running gateway — through the real binary (`bin/mqttsn-gateway.js -c gateway.conf`), not
 * only the store API (test/unit/store/sqlite-open.test.ts covers that). A missing file is created;
 * every other case exits 1 with one line naming the file and what to do, and leaves the file as
 * it was (never silent data loss).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/sqlite-migrations.js';
import { freePort, GatewayProcess } from '../helpers/gateway-process.js';
import { RawClient } from '../helpers/mqtt/raw-client.js';

const cli = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'bin/mqttsn-gateway.js');

let directory = '';
let dataDirectory = '';
let databaseFile = '';
const running: GatewayProcess[] = [];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'mqttsn-startup-'));
  dataDirectory = join(directory, 'data');
  databaseFile = join(dataDirectory, 'mqttsn-gateway.db');
});

afterEach(async () => {
  for (const gateway of running.splice(0)) await gateway.kill();
  rmSync(directory, { recursive: true, force: true });
});

function writeConfig(port: number, name = 'gateway.conf'): string {
  const file = join(directory, name);
  writeFileSync(
    file,
    [
      `listener ${port} 127.0.0.1`,
      'mqttsn_udp 0 127.0.0.1',
      'sys_interval 0',
      'persistence_location ./data',
      '',
    ].join('\n'),
  );
  return file;
}

async function startGateway(): Promise<GatewayProcess> {
  const port = await freePort();
  const gateway = await GatewayProcess.start(writeConfig(port), port);
  running.push(gateway);
  return gateway;
}

/** Runs the binary until it exits (killed after 15 s: a hang is a failure too). */
async function runUntilExit(configFile: string): Promise<{ code: number | null; stderr: string }> {
  const child: ChildProcess = spawn(process.execPath, [cli, '-c', configFile], {
    cwd: dirname(configFile),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.resume();
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((ok) => child.once('exit', (exitCode) => ok(exitCode)));
  clearTimeout(timer);
  return { code, stderr };
}

/** A store with a persistent session and a retained message in it, left by a clean stop. */
async function storeWithData(): Promise<void> {
  const gateway = await startGateway();
  const { client } = await RawClient.connected(gateway.port, 4, 'keeper', { clean: false });
  client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'kept/queue/#', qos: 1 }] });
  await client.expect('suback');
  client.send({
    cmd: 'publish',
    topic: 'kept/r',
    payload: Buffer.from('r'),
    qos: 1,
    messageId: 2,
    dup: false,
    retain: true,
  });
  await client.expect('puback');
  client.destroy();
  await gateway.stop();
}

async function refusedStart(): Promise<string> {
  const { code, stderr } = await runUntilExit(writeConfig(await freePort(), 'second.conf'));
  expect(code, stderr).toBe(1);
  // One error line, no stack trace: a start-up error is the user's to fix. (The log lines before
  // it go to stderr too.)
  const errors = stderr.split('\n').filter((line) => line.startsWith('Error: '));
  expect(errors, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  const [line = ''] = errors;
  expect(line).toContain(databaseFile);
  return line;
}

describe('mqttsn-gateway start-up with its store file', () => {
  it('missing: the data directory and the database are created, and the store is in use', async () => {
    expect(existsSync(dataDirectory)).toBe(false);
    const gateway = await startGateway();
    expect(existsSync(databaseFile)).toBe(true);
    expect(gateway.log).toContain(`Persistence: ${databaseFile}`);
    await gateway.stop();
    const db = new Database(databaseFile, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('not a database: exit 1, naming the file and saying to move it aside; the file is untouched', async () => {
    mkdirSync(dataDirectory);
    const garbage = Buffer.alloc(8192, 'this is not sqlite ');
    writeFileSync(databaseFile, garbage);
    const message = await refusedStart();
    expect(message).toMatch(/^Error: .*file is not a database.*move it aside/);
    expect(readFileSync(databaseFile)).toEqual(garbage);
  });

  it('corrupt pages: exit 1, malformed, with the recovery steps; the file is untouched', async () => {
    await storeWithData();
    const bytes = readFileSync(databaseFile);
    const pageSize = bytes.readUInt16BE(16);
    const damaged = Buffer.from(bytes);
    // Keep page 1 (header and schema), trash the b-tree pages after it.
    damaged.fill(0xa5, pageSize, bytes.length);
    writeFileSync(databaseFile, damaged);
    const message = await refusedStart();
    expect(message).toMatch(/malformed.*move the file aside.*\.recover/);
    expect(readFileSync(databaseFile)).toEqual(damaged);
  });

  it('from a newer schema version: exit 1, upgrade or move aside; the file is untouched', async () => {
    await storeWithData();
    const db = new Database(databaseFile);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = readFileSync(databaseFile);
    const message = await refusedStart();
    expect(message).toContain(
      `written by a newer mqttsn-gateway (schema ${SCHEMA_VERSION + 1} > ${SCHEMA_VERSION})`,
    );
    expect(message).toMatch(/upgrade mqttsn-gateway, or move the file aside/);
    expect(readFileSync(databaseFile)).toEqual(before);
  });

  it('locked by another running gateway: exit 1 naming its pid; the first one keeps running and serving', async () => {
    const first = await startGateway();
    const message = await refusedStart();
    expect(message).toContain(`locked by another process (pid ${first.child.pid}`);
    expect(message).toMatch(/another mqttsn-gateway is probably running with this data directory/);
    expect(first.hasExited).toBe(false);
    const { client, connack } = await RawClient.connected(first.port, 4, 'still-served');
    expect(connack.returnCode).toBe(0);
    client.destroy();
  });

  it('after the holder is killed with -9, the next gateway opens the store with its data', async () => {
    await storeWithData();
    const holder = await startGateway();
    await holder.kill();
    const next = await startGateway();
    const { client, connack } = await RawClient.connected(next.port, 4, 'keeper', { clean: false });
    expect(connack.sessionPresent).toBe(true);
    client.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'kept/r', qos: 1 }] });
    await client.expect('suback');
    const retained = await client.expect('publish');
    expect([retained.topic, retained.payload.toString(), retained.retain]).toEqual(['kept/r', 'r', true]);
    client.destroy();
  });
});
