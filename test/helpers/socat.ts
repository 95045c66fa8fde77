/**
 * Real pseudo-terminal pairs for serial tests: `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`.
 * Whatever is written to one end is read at the other, like a null-modem cable. Killing socat makes
 * both ends vanish (like a USB adapter pulled out); `restart()` brings them back at the same paths.
 *
 * Usage:
 *   const pair = await createSocatPair();
 *   // open the transport on pair.a, the simulated device on pair.b (openFarEnd)
 *   await pair.dispose();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { readUntilHangUp } from '../../src/transport/serial/hang-up-read.js';
import type { DatagramEvents, PeerAddress } from '../../src/transport/types.js';

const LINK_WAIT_MS = 5000;

export interface SocatPair {
  /** Temp directory holding the links. */
  readonly dir: string;
  /** One end (give it to the transport under test). */
  readonly a: string;
  /** The other end (the simulated device or radio). */
  readonly b: string;
  readonly running: boolean;
  /** Kills socat and waits until it has exited: both ends disappear. */
  stop(): Promise<void>;
  /** Starts socat again at the same link paths and waits until both exist. */
  restart(): Promise<void>;
  /** Stops socat and removes the temp directory. */
  dispose(): Promise<void>;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = LINK_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`socat: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function createSocatPair(): Promise<SocatPair> {
  const dir = mkdtempSync(join(tmpdir(), 'socat-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  let child: ChildProcess | undefined;
  let stderr = '';

  const start = async (): Promise<void> => {
    // A socat killed hard leaves its links behind; socat will not replace them.
    rmSync(a, { force: true });
    rmSync(b, { force: true });
    stderr = '';
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let exited = false;
    proc.once('exit', () => {
      exited = true;
    });
    child = proc;
    try {
      await waitFor(() => exited || (existsSync(a) && existsSync(b)), `links ${a} and ${b}`);
    } catch (error) {
      proc.kill('SIGKILL');
      throw error;
    }
    if (exited) throw new Error(`socat exited at start: ${stderr.trim()}`);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    dir,
    a,
    b,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The far end of a pty pair, as a device would use it: write bytes, read what arrives. */
export interface FarEnd {
  readonly port: SerialPort;
  write(data: Buffer): Promise<void>;
  /** Everything received and not yet taken. */
  readonly received: Buffer;
  /** Waits until `predicate(received)` holds (polling each chunk); rejects after `timeoutMs`. */
  waitFor(predicate: (received: Buffer) => boolean, what: string, timeoutMs?: number): Promise<Buffer>;
  /** Returns and forgets what was received so far. */
  take(): Buffer;
  close(): Promise<void>;
}

export async function openFarEnd(path: string, baudRate = 115200): Promise<FarEnd> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  port.on('error', () => {}); // a vanished pty is expected in these tests
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  readUntilHangUp(port); // else a vanished pty can leave serialport spinning on 0-byte reads
  let received = Buffer.alloc(0);
  const listeners = new Set<() => void>();
  port.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    for (const listener of listeners) listener();
  });
  return {
    port,
    get received() {
      return received;
    },
    write: (data) =>
      new Promise<void>((resolve, reject) => {
        port.write(data, (e) => (e ? reject(e) : port.drain((d) => (d ? reject(d) : resolve()))));
      }),
    waitFor: (predicate, what, timeoutMs = 3000) =>
      new Promise<Buffer>((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(received);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`far end: no ${what} within ${timeoutMs} ms (have ${received.toString('hex')})`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    take: () => {
      const out = received;
      received = Buffer.alloc(0);
      return out;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}

/** What a transport delivered, for serial tests: datagrams and delivery failures, awaitable. */
export interface Delivered {
  data: Buffer;
  from: PeerAddress;
}

export class DatagramSink implements DatagramEvents {
  readonly received: Delivered[] = [];
  readonly failures: PeerAddress[] = [];
  private readonly waiters = new Set<() => void>();

  datagram(data: Buffer, from: PeerAddress): void {
    this.received.push({ data: Buffer.from(data), from });
    for (const waiter of this.waiters) waiter();
  }

  deliveryFailed(to: PeerAddress): void {
    this.failures.push(to);
    for (const waiter of this.waiters) waiter();
  }

  /** Waits until `count` datagrams in all have arrived; rejects after `timeoutMs`. */
  waitForCount(count: number, timeoutMs = 3000): Promise<Delivered[]> {
    return this.waitUntil(() => this.received.length >= count, `${count} datagrams`, timeoutMs).then(
      () => this.received,
    );
  }

  /** Waits until `condition()` holds, checked on every delivery and every 10 ms. */
  waitUntil(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      };
      const poll = setInterval(check, 10);
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        clearInterval(poll);
        reject(new Error(`sink: no ${what} within ${timeoutMs} ms (have ${this.received.length} datagrams)`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}
