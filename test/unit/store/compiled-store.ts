/**
 * The SQLite store compiled to plain JavaScript, so that a child `node` process (not vitest) can
 * run the real store code: a second gateway holding the lock, a writer killed with SIGKILL.
 * Output goes under node_modules/.cache so that `better-sqlite3` resolves from it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = join(repository, 'test/unit/store/fixtures/store-child.mjs');

export interface CompiledStore {
  /** Absolute path of the compiled src/store/sqlite.js. */
  module: string;
  cleanup(): void;
}

export function compileStore(): CompiledStore {
  const cache = join(repository, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, 'mqttsn-store-'));
  const tsc = join(repository, 'node_modules/typescript/bin/tsc');
  try {
    compile(tsc, outDir);
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
  // Under node_modules the nearest package.json would not say "module".
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  return {
    module: join(outDir, 'src/store/sqlite.js'),
    cleanup: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

function compile(tsc: string, outDir: string): void {
  execFileSync(
    process.execPath,
    [
      tsc,
      '--ignoreConfig',
      '--noCheck',
      '--outDir',
      outDir,
      '--rootDir',
      repository,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--types',
      'node',
      '--skipLibCheck',
      join(repository, 'src/store/sqlite.ts'),
    ],
    { cwd: repository, stdio: 'pipe' },
  );
}

export interface StoreChild {
  process: ChildProcess;
  /** Resolves with the first stdout line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Every stdout line so far. */
  lines(): string[];
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

/** Run fixtures/store-child.mjs: `mode` is `hold` or `write` (see that file). */
export function spawnStoreChild(
  compiled: CompiledStore,
  mode: 'hold' | 'write',
  directory: string,
): StoreChild {
  const child = spawn(process.execPath, [fixture, compiled.module, mode, directory], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const received: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      received.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    lines: () => [...received],
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const found = received.find((line) => pattern.test(line));
        if (found !== undefined) return resolve(found);
        const timer = setTimeout(
          () => reject(new Error(`child: no ${pattern} in 10 s; stderr: ${stderr}`)),
          10_000,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`child exited before ${pattern}; stderr: ${stderr}`));
        });
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
