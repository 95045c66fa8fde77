/** A temporary folder per test file, removed afterwards, for keys whose files must exist. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export function useTempDir(): { dir: string; write(name: string, content: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'mqttsn-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, content) {
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    },
  };
}
