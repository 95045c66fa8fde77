/**
 * The real gateway as a child process: the built CLI (`node bin/mqttsn-gateway.js -c <conf>`),
 * for tests that must kill it (kill -9) and start it again on the same data directory.
 * `npm test` builds before running vitest; a missing build is reported, never skipped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(repository, 'bin/mqttsn-gateway.js');
const built = join(repository, 'dist/src/cli/gateway.js');

/** A TCP port the OS just handed out (free now; the gateway binds it again at every restart). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const address = server.address();
  await new Promise<void>((ok) => server.close(() => ok()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export class GatewayProcess {
  private output = '';
  private readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((ok) => child.once('exit', () => ok()));
  }

  /** Start the gateway with `configFile` and wait until it accepts TCP connections on `port`. */
  static async start(configFile: string, port: number, timeoutMs = 15_000): Promise<GatewayProcess> {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
    const child = spawn(process.execPath, [cli, '-c', configFile], {
      cwd: dirname(configFile),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const gateway = new GatewayProcess(child, port);
    const deadline = Date.now() + timeoutMs;
    while (!(await accepts(port))) {
      if (gateway.hasExited) throw new Error(`gateway exited at start-up:\n${gateway.output}`);
      if (Date.now() > deadline) {
        await gateway.kill();
        throw new Error(`gateway not listening on ${port} after ${timeoutMs} ms:\n${gateway.output}`);
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
    return gateway;
  }

  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** What the gateway printed (the last 8000 characters). */
  get log(): string {
    return this.output;
  }

  /** kill -9, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (!this.hasExited) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a clean shutdown); SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.hasExited) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
  });
}
