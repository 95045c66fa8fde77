/**
 * Real mosquitto_pub / mosquitto_sub against our broker: retained messages, QoS 2, persistent
 * sessions with -c, wills with --will-*, and MQTT 5 user properties.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker, waitForLog } from '../helpers/mqtt/harness.js';

let t: TestBroker;
const children: ChildProcess[] = [];

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (error, stdout) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout });
    });
  });
}

const hostArgs = (): string[] => ['-h', '127.0.0.1', '-p', String(t.port)];
const pub = (...args: string[]) => run('mosquitto_pub', [...hostArgs(), ...args]);
const sub = (...args: string[]) => run('mosquitto_sub', [...hostArgs(), ...args]);

/** A long-running mosquitto_sub; resolves with its output when it exits. */
function startSub(args: string[]): { child: ChildProcess; output: Promise<string> } {
  const child = spawn('mosquitto_sub', [...hostArgs(), ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const output = new Promise<string>((resolve) => child.on('close', () => resolve(out)));
  return { child, output };
}

beforeEach(async () => {
  t = await startTestBroker();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await t.close();
});

describe('mosquitto clients', () => {
  it('retained: set, read by a later subscriber, cleared with -n -r', async () => {
    expect((await pub('-t', 'lab/retained', '-m', 'kept', '-r', '-q', '1')).code).toBe(0);
    const got = await sub('-t', 'lab/retained', '-C', '1', '-W', '5', '-v');
    expect(got.stdout).toBe('lab/retained kept\n');
    expect((await pub('-t', 'lab/retained', '-n', '-r')).code).toBe(0);
    const none = await sub('-t', 'lab/retained', '--retained-only', '-W', '1');
    expect(none.stdout).toBe('');
  });

  it('QoS 2 end to end (v3.1.1 and v5)', async () => {
    for (const version of ['mqttv311', 'mqttv5']) {
      const id = `q2-${version}`;
      const s = startSub(['-V', version, '-i', id, '-t', 'lab/q2', '-q', '2', '-C', '1', '-W', '10']);
      await waitForLog(t.logs, new RegExp(`Sending SUBACK to ${id}$`));
      expect((await pub('-V', version, '-t', 'lab/q2', '-m', `two-${version}`, '-q', '2')).code).toBe(0);
      expect(await s.output).toBe(`two-${version}\n`);
    }
    await waitForLog(t.logs, /Sending PUBCOMP to /);
  });

  it('persistent session with -c: QoS 1 queued while offline is delivered on return', async () => {
    expect((await sub('-i', 'lab-c', '-c', '-q', '1', '-t', 'lab/persist', '-E')).code).toBe(0);
    await pub('-t', 'lab/persist', '-m', 'one', '-q', '1');
    await pub('-t', 'lab/persist', '-m', 'zero', '-q', '0');
    await pub('-t', 'lab/persist', '-m', 'two', '-q', '1');
    const back = await sub('-i', 'lab-c', '-c', '-q', '1', '-t', 'lab/persist', '-C', '2', '-W', '5');
    expect(back.stdout).toBe('one\ntwo\n');
  });

  it('will with --will-*: published when the client dies, not after a clean exit', async () => {
    const watcher = startSub(['-t', 'lab/will', '-C', '1', '-W', '10', '-v']);
    await waitForLog(t.logs, /Received SUBSCRIBE from /);
    const clean = await sub(
      ...['-i', 'polite', '-t', 'x', '-W', '1', '--will-topic', 'lab/will', '--will-payload', 'polite-gone'],
    );
    expect(clean.code).not.toBe(-1);
    const dying = startSub([
      '-i',
      'dying',
      '-t',
      'x',
      '--will-topic',
      'lab/will',
      '--will-payload',
      'gone',
      '--will-qos',
      '1',
    ]);
    await waitForLog(t.logs, /Sending SUBACK to dying$/);
    dying.child.kill('SIGKILL');
    expect(await watcher.output).toBe('lab/will gone\n');
  });

  it('MQTT 5 user properties pass through to mosquitto_sub', async () => {
    const s = startSub([
      '-V',
      'mqttv5',
      '-i',
      'v5sub',
      '-t',
      'lab/props',
      '-C',
      '1',
      '-W',
      '10',
      '-F',
      '%P %p',
    ]);
    await waitForLog(t.logs, /Sending SUBACK to v5sub$/);
    await pub(
      '-V',
      'mqttv5',
      '-t',
      'lab/props',
      '-m',
      'payload',
      '-D',
      'publish',
      'user-property',
      'room',
      'lab',
    );
    expect(await s.output).toBe('room:lab payload\n');
  });
});
