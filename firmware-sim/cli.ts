/**
 * firmware-sim: simulated battery sensors for an MQTT-SN gateway (bin/firmware-sim.js imports the
 * built copy of this file).
 *   firmware-sim --udp 127.0.0.1:1884 --sensors 200 --sleep 30 --qos 1
 * Ctrl-C ends the run (sensors DISCONNECT cleanly) and prints the summary; a second Ctrl-C exits now.
 * Exit status: 0 after a run, 1 when the run could not start (bad options, no such serial device …).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../src/observe/logger.js';
import { buildSimCommand, runOptionsFrom, type SimCliOptions } from './cli-options.js';
import { startFleet } from './fleet.js';
import { startProgress } from './progress.js';
import { formatSummary } from './summary.js';

function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
      if (pkg.version) return pkg.version;
    } catch {
      // not here: look one folder up
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

function fail(message: string): never {
  process.stderr.write(`firmware-sim: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const command = buildSimCommand(packageVersion());
  command.parse(process.argv);
  const options = command.opts<SimCliOptions>();
  const logger = createLogger(options.verbose ? 'debug' : options.quiet ? 'error' : 'warn');
  let fleet: Awaited<ReturnType<typeof startFleet>>;
  try {
    fleet = await startFleet({ ...runOptionsFrom(options), logger });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const stopProgress = options.quiet ? () => {} : startProgress(fleet, { stream: process.stderr });
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(1);
    interrupted = true;
    process.stderr.write('\nfirmware-sim: stopping (sensors finish what is in flight and disconnect) …\n');
    void fleet.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const summary = await fleet.done;
  stopProgress();
  process.stdout.write(
    options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`,
  );
  process.exit(0);
}

await main();
