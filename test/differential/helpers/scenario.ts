/**
 * The scenario DSL. A scenario is an async script over a `Run`: it opens named clients, makes
 * them connect, subscribe, publish, disconnect or drop, and places barriers. The same script runs
 * against a real mosquitto and against our broker; each run yields a transcript (per client, in
 * order: every packet the broker sent, normalised, plus `closed by broker` / `timeout` events and
 * the script's own notes), and the two transcripts must be equal.
 *
 * Order is compared per client only: the relative order of packets on two different sockets is
 * not something a client can observe reliably, nor something the spec fixes.
 */
import { expect } from 'vitest';
import { type ConnectSpec, ScriptedClient } from './client.js';
import { type RunningBroker, startMosquitto } from './mosquitto.js';
import { type Entry, formatEntry } from './normalise.js';
import { startOurs } from './ours.js';

export type Transcript = Record<string, Entry[]>;

export class Run {
  private readonly clients: ScriptedClient[] = [];
  private readonly transcript: Record<string, ScriptedClient> = {};
  private generation = new Map<string, number>();

  constructor(
    readonly port: number,
    /** 'mosquitto' or 'ours' — only for scenario notes that must not differ; do not branch on it. */
    readonly side: string,
  ) {}

  /**
   * Opens a connection and sends CONNECT; resolves once CONNACK (or a close) arrived. A name used
   * again (a reconnect) gets its own transcript key, `name#2`, `name#3`, …
   */
  async connect(name: string, spec: ConnectSpec): Promise<ScriptedClient> {
    const n = (this.generation.get(name) ?? 0) + 1;
    this.generation.set(name, n);
    const key = n === 1 ? name : `${name}#${n}`;
    const client = await ScriptedClient.open(key, this.port, spec);
    this.clients.push(client);
    this.transcript[key] = client;
    await client.connect(spec);
    return client;
  }

  /** Opens a connection without sending anything (for hand-built first packets). */
  async open(name: string, spec: ConnectSpec): Promise<ScriptedClient> {
    const client = await ScriptedClient.open(name, this.port, spec);
    this.clients.push(client);
    this.transcript[name] = client;
    return client;
  }

  /**
   * Barrier: every open client pings in turn, in rounds, until a whole round brings nothing new
   * (a flow that trickles out as acks come back, like a drained offline queue, is then over).
   */
  async sync(): Promise<void> {
    for (let round = 0, seen = -1; round < 200; round++) {
      for (const client of this.clients) await client.ping();
      const now = this.clients.reduce((n, c) => n + c.entries.length, 0);
      if (now === seen) return;
      seen = now;
    }
  }

  /** Syncs, then puts a marker into every client's transcript: "what came before this point". */
  async mark(label: string): Promise<void> {
    await this.sync();
    for (const client of this.clients) client.mark(label);
  }

  /** A plain wait, only where the scenario is about time (will delay, expiry). */
  async sleep(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  }

  result(): Transcript {
    const out: Transcript = {};
    for (const [name, client] of Object.entries(this.transcript)) out[name] = client.transcript();
    return out;
  }

  closeAll(): void {
    for (const client of this.clients) client.destroy();
  }
}

export type Scenario = (run: Run) => Promise<void>;

/**
 * A documented, deliberate difference: where mosquitto 2.0.11 breaks the MQTT spec in a way we
 * judge a bug, we keep the spec's behaviour. The mosquitto lines must still be there (the quirk
 * is pinned, so a newer mosquitto that fixes it shows up), and are replaced by ours before the
 * comparison.
 */
export interface Deviation {
  client: string;
  /** Consecutive lines of mosquitto's transcript for `client` (formatEntry form). */
  mosquitto: string[];
  /** What our broker sends there instead. */
  ours: string[];
  why: string;
}

export interface DifferentialOptions {
  mosquittoConfig?: string[];
  ours?: Parameters<typeof startOurs>;
  deviations?: Deviation[];
  /**
   * A difference known to come from the MQTT front end (src/mqtt, not ours to change here):
   * the test keeps failing, with this description in its message, until the front end matches.
   */
  knownFrontEndDifference?: string;
  /** Rewrites every line on both sides before comparing (values that differ by nature). */
  mapLine?: (line: string) => string;
  /** Keeps only the lines this returns true for, on both sides (e.g. retained deliveries only). */
  keepLine?: (line: string) => boolean;
}

async function runOn(broker: RunningBroker, side: string, scenario: Scenario): Promise<Transcript> {
  const run = new Run(broker.port, side);
  try {
    await scenario(run);
    return run.result();
  } finally {
    run.closeAll();
  }
}

/** Runs the scenario on a fresh mosquitto and a fresh broker of ours, side by side. */
export async function runBoth(
  scenario: Scenario,
  options: DifferentialOptions = {},
): Promise<{ mosquitto: Transcript; ours: Transcript }> {
  const [mosq, ours] = await Promise.all([
    startMosquitto(options.mosquittoConfig),
    startOurs(...(options.ours ?? [])),
  ]);
  try {
    const [m, o] = await Promise.all([runOn(mosq, 'mosquitto', scenario), runOn(ours, 'ours', scenario)]);
    return { mosquitto: m, ours: o };
  } finally {
    await Promise.all([mosq.stop(), ours.stop()]);
  }
}

/** One line per entry: diffs stay readable (one changed line per differing packet). */
export function asLines(transcript: Transcript): Record<string, string[]> {
  const lines: Record<string, string[]> = {};
  for (const [name, entries] of Object.entries(transcript))
    lines[name] = compactRuns(entries.map(formatEntry));
  return lines;
}

const RUN_MIN = 10;
const shape = (line: string): string => line.replace(/\d+/g, '#');

/**
 * Long runs of lines that differ only in their numbers (a thousand queued publishes) become
 * "first", "… N lines of this shape …", "last": a difference in count or at either end still
 * shows, and the diff stays readable. Shorter runs are kept whole.
 */
function compactRuns(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i + 1;
    while (j < lines.length && shape(lines[j]!) === shape(lines[i]!)) j++;
    if (j - i >= RUN_MIN) out.push(lines[i]!, `… ${j - i} lines like this …`, lines[j - 1]!);
    else out.push(...lines.slice(i, j));
    i = j;
  }
  return out;
}

function applyDeviation(expected: Record<string, string[]>, d: Deviation): void {
  const lines = expected[d.client] ?? [];
  const at = lines.findIndex((_, i) => d.mosquitto.every((line, j) => lines[i + j] === line));
  expect(
    at,
    `mosquitto no longer shows the documented deviation (${d.why}): ${JSON.stringify(d.mosquitto)} in ${JSON.stringify(lines)}`,
  ).toBeGreaterThanOrEqual(0);
  lines.splice(at, d.mosquitto.length, ...d.ours);
}

/**
 * Runs both and asserts identical transcripts. Returns mosquitto's transcript so that a test can
 * also pin down what the reference does (so the scenario cannot silently test nothing).
 */
export async function expectSameAsMosquitto(
  scenario: Scenario,
  options: DifferentialOptions = {},
): Promise<Transcript> {
  const { mosquitto, ours } = await runBoth(scenario, options);
  if (process.env.DIFF_SHOW === '1') {
    process.stderr.write(`mosquitto: ${JSON.stringify(asLines(mosquitto), null, 1)}\n`);
    process.stderr.write(`ours: ${JSON.stringify(asLines(ours), null, 1)}\n`);
  }
  // A scenario whose clients never got an answer from mosquitto tests nothing: refuse it.
  for (const [name, entries] of Object.entries(mosquitto)) {
    const first = entries[0];
    const unanswered = first?.event === 'timeout' && first.waitingFor === 'connack';
    expect(unanswered, `mosquitto never answered ${name}'s CONNECT: the scenario is broken`).toBe(false);
  }
  const map = options.mapLine ?? ((line: string) => line);
  const keep = options.keepLine ?? (() => true);
  const mapAll = (t: Transcript): Record<string, string[]> =>
    Object.fromEntries(
      Object.entries(asLines(t)).map(([name, lines]) => [name, lines.filter(keep).map(map)]),
    );
  const expected = mapAll(mosquitto);
  for (const d of options.deviations ?? []) applyDeviation(expected, d);
  const label = options.knownFrontEndDifference
    ? `KNOWN DIFFERENCE in the MQTT front end (src/mqtt): ${options.knownFrontEndDifference}`
    : 'our broker (actual) vs mosquitto 2.0.11 (expected)';
  expect(mapAll(ours), label).toEqual(expected);
  return mosquitto;
}
