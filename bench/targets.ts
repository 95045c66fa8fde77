/**
 * The brokers under test, each started fresh for every scenario run on a free port with a temporary
 * configuration: this project's broker through its CLI, and Debian's mosquitto. A broker runs as
 *   bash -c 'ulimit -n …; exec timeout -k 3 <lifetime> bash -c "exec <command>"'
 * so its descriptor limit is raised and it can never outlive its lifetime, whatever happens to us;
 * the broker's own pid (the child of `timeout`) is the one measured in /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerChild } from './cleanup.js';
import { RAISE_FD_LIMIT } from './common/generator.js';
import { childPids } from './procstat.js';

export type TargetName = 'ours' | 'mosquitto';

export interface BrokerTuning {
  /** Set TCP_NODELAY on the broker's sockets where it can be configured (mosquitto: set_tcp_nodelay). */
  readonly noDelay: boolean;
  /** Per-session queue limit, raised so the QoS 1 and fan-out runs measure delivery, not dropping. */
  readonly queueLimit: number;
}

export interface TargetSpec {
  readonly name: TargetName;
  /** Shell command; `{port}` and `{conf}` are replaced. It must exec the broker (its pid is measured). */
  readonly command: string;
  readonly config: (port: number, tuning: BrokerTuning) => string;
}

export class BrokerStartError extends Error {
  override readonly name = 'BrokerStartError';
}

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 3_000;
const OUTPUT_TAIL_CHARS = 4_000;

export const OURS_DEFAULT_CONFIG = [
  'persistence false',
  'listener {port} 127.0.0.1',
  'sys_interval 0',
  'max_queued_messages {queue}',
  'mqttsn_udp 0 127.0.0.1',
  // Like mosquitto's log_type error + warning here: per-connection info lines would cost the broker CPU.
  'log_level warn',
].join('\n');

export function oursTarget(command: string, configTemplate: string): TargetSpec {
  return {
    name: 'ours',
    command,
    config: (port, tuning) =>
      `${configTemplate.replaceAll('{port}', String(port)).replaceAll('{queue}', String(tuning.queueLimit))}\n`,
  };
}

export function mosquittoTarget(binary: string): TargetSpec {
  return {
    name: 'mosquitto',
    command: `${binary} -c {conf}`,
    config: (port, tuning) =>
      [
        `listener ${port} 127.0.0.1`,
        'max_connections -1',
        'allow_anonymous true',
        'persistence false',
        `max_queued_messages ${tuning.queueLimit}`,
        `set_tcp_nodelay ${tuning.noDelay ? 'true' : 'false'}`,
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        'connection_messages false',
        '',
      ].join('\n'),
  };
}

export class RunningBroker {
  private output = '';
  private exitNote: string | null = null;
  private readonly unregister: () => void;

  private constructor(
    readonly name: TargetName,
    readonly port: number,
    private readonly wrapper: ChildProcess,
    private readonly tempDir: string,
    public pid = 0,
  ) {
    const keepTail = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    wrapper.stdout?.on('data', keepTail);
    wrapper.stderr?.on('data', keepTail);
    wrapper.on('exit', (code, signal) => {
      this.exitNote = `exited with ${signal ?? `code ${code}`}`;
    });
    this.unregister = registerChild(() => {
      this.killNow();
      rmSync(this.tempDir, { recursive: true, force: true });
    });
  }

  static async start(
    spec: TargetSpec,
    tuning: BrokerTuning,
    lifetimeSeconds: number,
    cwd: string,
  ): Promise<RunningBroker> {
    const port = await freePort();
    const tempDir = mkdtempSync(path.join(tmpdir(), `bench-${spec.name}-`));
    const confPath = path.join(tempDir, 'broker.conf');
    writeFileSync(confPath, spec.config(port, tuning));
    const command = spec.command.replaceAll('{port}', String(port)).replaceAll('{conf}', confPath);
    const wrapper = spawn(
      'bash',
      [
        '-c',
        `${RAISE_FD_LIMIT}; exec timeout -k 3 "$1" bash -c "$2"`,
        'bench-broker',
        String(lifetimeSeconds),
        `exec ${command}`,
      ],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const broker = new RunningBroker(spec.name, port, wrapper, tempDir);
    try {
      await broker.waitUntilListening();
      broker.pid = broker.findBrokerPid();
    } catch (error) {
      await broker.stop();
      const reason = error instanceof Error ? error.message : String(error);
      throw new BrokerStartError(`${spec.name} (${command}): ${reason}\n${broker.outputTail()}`);
    }
    return broker;
  }

  get running(): boolean {
    return this.exitNote === null;
  }

  /** Why the broker is no longer running, or null while it runs. */
  get exitReason(): string | null {
    return this.exitNote;
  }

  outputTail(): string {
    return this.output.trim();
  }

  async stop(): Promise<void> {
    if (this.running) {
      try {
        // SIGTERM is a clean shutdown for both brokers; `timeout` forwards it too.
        process.kill(this.pid > 0 ? this.pid : (this.wrapper.pid ?? 0), 'SIGTERM');
      } catch {
        // Already gone.
      }
      const exited = await this.waitForExit(STOP_GRACE_MS);
      if (!exited) this.killNow();
      await this.waitForExit(STOP_GRACE_MS);
    }
    this.unregister();
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  private killNow(): void {
    for (const pid of [this.pid, this.wrapper.pid ?? 0]) {
      if (pid <= 0) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  private waitForExit(timeoutMs: number): Promise<boolean> {
    if (!this.running) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.wrapper.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private async waitUntilListening(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.running) throw new BrokerStartError(`${this.exitNote} before listening on ${this.port}`);
      if (await canConnect(this.port)) return;
      await sleep(50);
    }
    throw new BrokerStartError(`not listening on ${this.port} after ${READY_TIMEOUT_MS} ms`);
  }

  /** The child of `timeout` is the broker (bash exec'd into it). */
  private findBrokerPid(): number {
    const wrapperPid = this.wrapper.pid;
    if (wrapperPid === undefined) throw new BrokerStartError('no pid for the wrapper process');
    const children = childPids(wrapperPid);
    const pid = children[0];
    if (pid === undefined || children.length !== 1) {
      throw new BrokerStartError(
        `expected one broker process under pid ${wrapperPid}, found ${children.length}`,
      );
    }
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (comm === 'bash')
      throw new BrokerStartError(`pid ${pid} is still bash: the command must exec the broker`);
    return pid;
  }
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new BrokerStartError('no free port'))));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
