/**
 * Progress while a run goes on: on a terminal one line rewritten in place (\r) every second; when
 * not a terminal (CI, a pipe) a plain line every few seconds. Written to stderr, so that `--json`
 * output on stdout stays machine-readable.
 */
import type { Fleet } from './fleet.js';
import { addCounters, emptyCounters } from './stats.js';

export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  /** Plain-line period when the stream is not a terminal. */
  plainEveryMs?: number;
}

export function progressLine(fleet: Fleet, now: number, previousSent = 0, periodMs = 0): string {
  const totals = emptyCounters();
  for (const group of fleet.groups) addCounters(totals, group.counters);
  const states = fleet.states();
  const elapsed = ((now - fleet.startedAt) / 1000).toFixed(0);
  const connected = (states.active ?? 0) + (states.setup ?? 0);
  return (
    `[${elapsed}s] sensors ${fleet.sensors.length}: ${connected} active, ${states.asleep ?? 0} asleep, ` +
    `${(states.connecting ?? 0) + (states.searching ?? 0) + (states.backoff ?? 0)} connecting | ` +
    `sent ${totals.sent}${periodMs > 0 ? ` (${Math.round(((totals.sent - previousSent) * 1000) / periodMs)}/s)` : ''} acked ${totals.acknowledged} retried ${totals.retried} lost ${totals.lost} ` +
    `received ${totals.received}`
  );
}

/** Starts printing; returns a function that stops it (and ends the in-place line). */
export function startProgress(fleet: Fleet, options: ProgressOptions): () => void {
  const tty = options.stream.isTTY === true;
  const period = tty ? 1000 : (options.plainEveryMs ?? 5000);
  let previousSent = 0;
  const timer = setInterval(() => {
    const line = progressLine(fleet, performance.now(), previousSent, period);
    previousSent = fleet.groups.reduce((sum, group) => sum + group.counters.sent, 0);
    if (tty) options.stream.write(`\r\x1b[2K${line}`);
    else options.stream.write(`${line}\n`);
  }, period);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (tty) options.stream.write('\r\x1b[2K');
  };
}
