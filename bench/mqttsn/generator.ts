/**
 * The orchestrator's handle on one MQTT-SN load-generator process (bench/mqttsn/worker.js), spawned
 * through bash so its open-file limit is raised (1,000 UDP sensors + 1,000 TCP publishers).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerChild } from '../cleanup.js';
import { RAISE_FD_LIMIT } from '../generator.js';
import { type FromWorker, isFromWorker, type Job, type JobResult, type ToWorker } from './protocol.js';

const WORKER_PATH = fileURLToPath(new URL('./worker.js', import.meta.url));

export class GeneratorError extends Error {
  override readonly name = 'GeneratorError';
}

export class SnGenerator {
  private readonly inbox: FromWorker[] = [];
  private waiter: (() => void) | null = null;
  private exited = false;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (raw: unknown) => {
      if (!isFromWorker(raw)) return;
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

  static start(label: string): SnGenerator {
    const child = spawn('bash', ['-c', `${RAISE_FD_LIMIT}; exec "$0" "$@"`, process.execPath, WORKER_PATH], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new SnGenerator(label, child);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  async prepare(job: Job, timeoutMs: number): Promise<void> {
    this.send({ kind: 'job', job });
    await this.expect('ready', timeoutMs);
  }

  go(): void {
    this.send({ kind: 'go' });
  }

  async result(timeoutMs: number): Promise<{ result: JobResult; cpuUs: number }> {
    const message = await this.expect('result', timeoutMs);
    if (message.kind !== 'result') throw new GeneratorError(`${this.label}: expected a result`);
    return { result: message.result, cpuUs: message.cpuUs };
  }

  async stop(timeoutMs: number): Promise<void> {
    if (this.exited) return;
    try {
      this.send({ kind: 'stop' });
      await this.expect('stopped', timeoutMs);
    } catch {
      // Killed below either way.
    } finally {
      if (!this.exited) this.child.kill('SIGKILL');
    }
  }

  private send(message: ToWorker): void {
    if (this.exited || !this.child.connected) throw new GeneratorError(`${this.label} has exited`);
    this.child.send(message);
  }

  private async expect(kind: FromWorker['kind'], timeoutMs: number): Promise<FromWorker> {
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
