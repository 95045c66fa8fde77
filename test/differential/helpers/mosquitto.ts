/**
 * A real mosquitto (Debian's /usr/sbin/mosquitto) started by the test itself on a temporary
 * config: one listener on 127.0.0.1 at a port the OS chose, anonymous clients allowed, no
 * persistence. Never the system service. Stopped (and its temp dir removed) by `stop()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

export interface RunningBroker {
  readonly port: number;
  /** What the broker printed (mosquitto's log), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** A port the OS hands out now; mosquitto needs a number in its config, not 0. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Brokers still running: killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Extra config lines (e.g. `max_keepalive 10`) may be given; the listener lines always come first. */
export async function startMosquitto(extraConfig: string[] = []): Promise<RunningBroker> {
  const dir = mkdtempSync(path.join(tmpdir(), 'diff-mosquitto-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = path.join(dir, 'mosquitto.conf');
    writeFileSync(
      config,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence false',
        'log_dest stderr',
        'log_type all',
        ...extraConfig,
        '',
      ].join('\n'),
    );
    const child = spawn(MOSQUITTO_BIN, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let output = '';
    child.stdout?.on('data', (b: Buffer) => {
      output += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      output += b.toString();
    });
    const deadline = Date.now() + 5000;
    let up = false;
    while (!up && Date.now() < deadline && child.exitCode === null) {
      up = await canConnect(port);
      if (!up) await new Promise((r) => setTimeout(r, 20));
    }
    if (up) {
      return {
        port,
        log: () => output,
        stop: async () => {
          child.kill('SIGTERM');
          await exited(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill('SIGKILL');
    await exited(child);
    // The port may have been taken between freePort() and mosquitto's bind: try another.
    if (attempt >= 2) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start:\n${output}`);
    }
  }
}
