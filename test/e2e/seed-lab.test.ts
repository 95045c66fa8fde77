/**
 * The classic seed lab, run with mosquitto's own clients by shared/tools/seed-lab.sh against
 * our broker, must print exactly what it prints on mosquitto 2.0.11 (the reference in DESIGN.md,
 * "Broker decisions"): QoS 0/1 with and without persistent sessions, retained, QoS 2 queued.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/mqtt/harness.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(repoRoot, '..', 'shared');
const script = path.resolve(shared, 'tools', 'seed-lab.sh');

/** The reference line of DESIGN.md: `test1 NONE · test2 NONE · …`, one entry per output line. */
function mosquittoReference(): string[] {
  const design = readFileSync(path.resolve(shared, 'DESIGN.md'), 'utf8');
  const match = /`(test1 [^`]+)`/.exec(design);
  if (match === null) throw new Error('no seed-lab reference line in DESIGN.md');
  return match[1]!.split(' · ');
}

function runSeedLab(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [script, '127.0.0.1', String(port)], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

let t: TestBroker;
beforeAll(async () => {
  t = await startTestBroker();
});
afterAll(async () => {
  await t.close();
});

describe('seed lab', () => {
  it('prints exactly the mosquitto 2.0.11 reference', { timeout: 90_000 }, async () => {
    expect(existsSync(script), `${script} is missing`).toBe(true);
    const output = await runSeedLab(t.port);
    expect(output.trimEnd().split('\n')).toEqual(mosquittoReference());
  });
});
