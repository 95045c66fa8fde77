/**
 * What the kernel knows about the broker process: resident memory from /proc/<pid>/status and CPU time
 * from /proc/<pid>/stat, sampled over a run so CPU can be read for exactly the measured window.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { nowNs } from './protocol.js';

export class ProcReadError extends Error {
  override readonly name = 'ProcReadError';
}

let clockTicks: number | null = null;

function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (match === null) throw new ProcReadError(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]);
}

/** Resident set size in kB. */
export function readRssKb(pid: number): number {
  return statusField(pid, 'VmRSS');
}

/** Peak resident set size over the process's life, in kB. */
export function readPeakRssKb(pid: number): number {
  return statusField(pid, 'VmHWM');
}

/** User + system CPU seconds the process has used. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // comm (field 2) may contain spaces; fields after the closing parenthesis are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), i.e. 11 and 12 after "state".
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/** Direct children of `pid` (for a broker started under `timeout`), found by scanning /proc. */
export function childPids(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) found.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

interface CpuSample {
  readonly atNs: number;
  readonly seconds: number;
}

/** Samples a process's CPU time every `intervalMs` so any window can be read afterwards. */
export class CpuSampler {
  private readonly samples: CpuSample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 50,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** CPU seconds used between two times (ns), interpolated between samples. */
  secondsBetween(fromNs: number, toNs: number): number {
    return this.at(toNs) - this.at(fromNs);
  }

  private at(ns: number): number {
    const samples = this.samples;
    if (samples.length === 0) return 0;
    const first = samples[0]!;
    if (ns <= first.atNs) return first.seconds;
    for (let i = 1; i < samples.length; i++) {
      const after = samples[i]!;
      if (after.atNs < ns) continue;
      const before = samples[i - 1]!;
      const span = after.atNs - before.atNs;
      return span <= 0
        ? after.seconds
        : before.seconds + ((after.seconds - before.seconds) * (ns - before.atNs)) / span;
    }
    return samples[samples.length - 1]!.seconds;
  }

  private sample(): void {
    try {
      this.samples.push({ atNs: nowNs(), seconds: readCpuSeconds(this.pid) });
    } catch {
      // The process has gone; the samples so far still describe the window.
    }
  }
}
