/**
 * The live progress of issue 6: on a terminal one line rewritten in place (carriage return and
 * erase-line, no newline), otherwise plain lines, one per period; stopping clears the terminal line.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFleet } from './index.js';
import { startProgress } from './progress.js';
import { FakeGateway } from './testing/fake-gateway.js';

/** Carriage return and ANSI erase-line: how the terminal line is rewritten in place. */
const ERASE_LINE = '\r\x1b[2K';

let gateway: FakeGateway;
beforeEach(async () => {
  gateway = await FakeGateway.start({});
});
afterEach(async () => {
  await gateway.close();
});

/** A stream that keeps what is written, terminal or not. */
function stream(isTTY: boolean): { isTTY: boolean; chunks: string[]; write(text: string): boolean } {
  const chunks: string[] = [];
  return {
    isTTY,
    chunks,
    write(text: string) {
      chunks.push(text);
      return true;
    },
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('progress', () => {
  it.each([true, false])('terminal %s: in place on a terminal, plain lines otherwise', async (isTTY) => {
    const fleet = await startFleet({
      transport: { kind: 'udp', gateway: gateway.address },
      fleets: [{ sensors: 2, qos: 1, interval: 3600, batteryEvery: 0, ramp: 0, idPrefix: `p${isTTY}-` }],
    });
    const out = stream(isTTY);
    // The stream stands in for process.stderr: only isTTY and write are used.
    const stop = startProgress(fleet, { stream: out as unknown as NodeJS.WriteStream, plainEveryMs: 50 });
    try {
      await until(() => out.chunks.length >= 2, 'two progress updates', 5000);
    } finally {
      stop();
      await fleet.stop();
    }
    const updates = isTTY ? out.chunks.slice(0, -1) : out.chunks;
    for (const chunk of updates) {
      expect(chunk).toMatch(
        /sensors 2: .*\| sent \d+ (\(\d+\/s\) )?acked \d+ retried \d+ lost \d+ received \d+/,
      );
      if (isTTY) expect(chunk.startsWith(`${ERASE_LINE}[`)).toBe(true);
      else expect(chunk).toMatch(/^\[.*\n$/);
    }
    if (isTTY) {
      expect(out.chunks.join('')).not.toContain('\n');
      expect(out.chunks.at(-1)).toBe(ERASE_LINE);
    }
  });
});
