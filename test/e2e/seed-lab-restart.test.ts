/**
 * The seed lab's persistent-session exercises with the gateway restarted between the subscriber's
 * disconnect and its reconnect (issue 3): what mosquitto with persistence keeps, we keep.
 * Expected per exercise is mosquitto's reference in DESIGN.md.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, GatewayProcess } from '../helpers/gateway-process.js';

const run = promisify(execFile);
let dir = '';
let conf = '';
let port = 0;
let gateway: GatewayProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mqttsn-seedlab-'));
  port = await freePort();
  conf = join(dir, 'gateway.conf');
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nmqttsn_udp 0 127.0.0.1\npersistence_location ${dir}/data\n`,
  );
  gateway = await GatewayProcess.start(conf, port);
});

afterAll(async () => {
  await gateway?.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Subscribe, then Ctrl-C (graceful DISCONNECT), as seed-lab.sh does. */
async function subscribeAndLeave(qos: number, clean: boolean): Promise<void> {
  const args = ['-h', '127.0.0.1', '-p', `${port}`, '-i', 'Sub1', '-t', 'test/message', '-q', `${qos}`];
  await run('timeout', ['-s', 'INT', '1', 'mosquitto_sub', ...args, ...(clean ? [] : ['-c'])]).catch(
    () => {},
  );
}

async function publish(message: string, qos: number): Promise<void> {
  await run('mosquitto_pub', [
    '-h',
    '127.0.0.1',
    '-p',
    `${port}`,
    '-t',
    'test/message',
    '-m',
    message,
    '-q',
    `${qos}`,
  ]);
}

async function reconnect(qos: number, clean: boolean): Promise<string> {
  const args = ['-h', '127.0.0.1', '-p', `${port}`, '-i', 'Sub1', '-t', 'test/message', '-q', `${qos}`];
  const out = await run('timeout', [
    '-s',
    'INT',
    '1.5',
    'mosquitto_sub',
    ...args,
    ...(clean ? [] : ['-c']),
  ]).then(
    (r) => r.stdout,
    (e: { stdout: string }) => e.stdout,
  );
  const lines = out.split('\n').filter((l) => l !== '');
  return lines.length === 0 ? 'NONE' : `${lines.join('|')}|`;
}

async function restart(kill: boolean): Promise<void> {
  if (kill) await gateway?.kill();
  else await gateway?.stop();
  gateway = await GatewayProcess.start(conf, port);
}

describe('seed lab with a gateway restart before the reconnect', () => {
  it.each([
    ['test2', 0, 0, 'MESSAGE 2', 'NONE'],
    ['test3', 1, 1, 'MESSAGE 3', 'MESSAGE 3|'],
    ['test4', 0, 1, 'MESSAGE 4', 'NONE'],
    ['qos2', 2, 2, 'MESSAGE 6', 'MESSAGE 6|'],
  ] as const)(
    '%s (sub q%i, pub q%i) after a clean restart',
    async (_name, subQos, pubQos, message, expected) => {
      await subscribeAndLeave(subQos, false);
      await publish(message, pubQos);
      await restart(false);
      expect(await reconnect(subQos, false)).toBe(expected);
    },
  );

  it('test3 survives kill -9 between publish and reconnect', async () => {
    await subscribeAndLeave(1, false);
    await publish('MESSAGE 3', 1);
    await restart(true);
    expect(await reconnect(1, false)).toBe('MESSAGE 3|');
  });

  it('retained message survives kill -9', async () => {
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      `${port}`,
      '-t',
      'test/retained',
      '-m',
      'RETAINED',
      '-r',
      '-q',
      '1',
    ]);
    await restart(true);
    const out = await run('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      `${port}`,
      '-t',
      'test/retained',
      '-C',
      '1',
      '-W',
      '3',
    ]);
    expect(out.stdout.trim()).toBe('RETAINED');
  });
});
