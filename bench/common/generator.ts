/**
 * The orchestrator's handle on one load-generator process (a worker built on serveJobs), spawned
 * through bash so its open-file limit can be raised (10,000 idle connections, or 1,000 UDP sensors
 * plus 1,000 TCP publishers, need that many descriptors).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { registerChild } from '../cleanup.js';
import { type FromWorker, isFromWorker, type ToWorker } from './channel.js';

export const RAISE_FD_LIMIT = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"';

export class GeneratorError extends Error {
  override readonly name = 'GeneratorError';
}

export class GeneratorProcess<Job, Result> {
  private readonly inbox: FromWorker<Result>[] = [];
  private waiter: (() => void) | null = null;
  private exited = false;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (raw: unknown) => {
      if (!isFromWorker<Result>(raw)) return;
      this.inbox.push(raw);
      this.waiter?.();
    });
    const unregister = registerChild(() => child.kill('SIGKILL'));
    child.on('exit', () => {
      unregister();
      this.exited = true;
      this.waiter?.();
    });
  }

  /** `workerPath`: the built worker script (a .js file) this process runs. */
  static start<Job, Result>(label: string, workerPath: string): GeneratorProcess<Job, Result> {
    const child = spawn('bash', ['-c', `${RAISE_FD_LIMIT}; exec "$0" "$@"`, process.execPath, workerPath], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new GeneratorProcess<Job, Result>(label, child);
  }

  async prepare(job: Job, timeoutMs: number): Promise<void> {
    this.send({ kind: 'job', job });
    await this.expect('ready', timeoutMs);
  }

  go(): void {
    this.send({ kind: 'go' });
  }

  async result(timeoutMs: number): Promise<{ result: Result; cpuUs: number }> {
    const message = await this.expect('result', timeoutMs);
    if (message.kind !== 'result') throw new GeneratorError(`${this.label}: expected a result`);
    return { result: message.result, cpuUs: message.cpuUs };
  }

  /** Asks the process to close its connections and exit; kills it if it does not within timeoutMs. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.exited) return;
    try {
      this.send({ kind: 'stop' });
      await this.expect('stopped', timeoutMs);
    } catch {
      // Killed below either way.
    } finally {
      this.kill();
    }
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private send(message: ToWorker<Job>): void {
    if (this.exited || !this.child.connected) throw new GeneratorError(`${this.label} has exited`);
    this.child.send(message);
  }

  /** The next message; an 'error' from the worker, its exit or the timeout become a GeneratorError. */
  private async expect(kind: FromWorker<Result>['kind'], timeoutMs: number): Promise<FromWorker<Result>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.inbox.shift();
      if (message !== undefined) {
        if (message.kind === 'error') throw new GeneratorError(`${this.label}: ${message.message}`);
        if (message.kind === kind) return message;
        continue;
      }
      if (this.exited) throw new GeneratorError(`${this.label} exited while waiting for '${kind}'`);
      const left = deadline - Date.now();
      if (left <= 0) throw new GeneratorError(`${this.label}: no '${kind}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }
}
