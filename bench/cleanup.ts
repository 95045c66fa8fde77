/**
 * Children are always killed: every broker and generator process registers a synchronous killer here,
 * run on normal exit, on SIGINT/SIGTERM and on an uncaught error. (Brokers also run under `timeout`,
 * which bounds them even if this process is killed with SIGKILL.)
 */
const killers = new Set<() => void>();

export function registerChild(kill: () => void): () => void {
  killers.add(kill);
  return () => killers.delete(kill);
}

export function killAllChildren(): void {
  for (const kill of killers) {
    try {
      kill();
    } catch {
      // Already gone.
    }
  }
  killers.clear();
}

export function installExitHandlers(): void {
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping children\n`);
      killAllChildren();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    killAllChildren();
    process.exit(1);
  });
}
