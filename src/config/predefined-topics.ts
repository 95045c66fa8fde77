/**
 * The predefined topics file, as Paho's predefinedTopic.conf (research/mqtt-sn-landscape.md §5):
 *
 *     # ClientId|*, TopicName, TopicId
 *     *, sensors/status, 1          ← every client
 *     sensor-7, sensors/7/cmd, 2    ← only sensor-7 (wins over a global entry with the same id)
 *
 * Predefined ids are known to client and gateway in advance, so no REGISTER is needed
 * (MQTT-SN §3, §5.3.11 TopicIdType 0b01). The ClientId is before the first comma and the id after
 * the last one, so a topic name may itself contain commas. `#` starts a comment line.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

/** Used in the file for "every client". */
export const ALL_CLIENTS = '*';

export interface PredefinedTopic {
  /** A ClientId, or `*` for every client. */
  clientId: string;
  topicName: string;
  /** 1..65534: 0x0000 and 0xFFFF are reserved (MQTT-SN §5.3.11). */
  topicId: number;
  line: number;
}

const MAX_TOPIC_ID = 0xfffe;

type TopicsById = ReadonlyMap<number, string>;

/**
 * Lookup in both directions; a per-client entry wins over a global one. The one implementation of
 * these rules: the gateway uses this table too (built from its option maps by `fromMaps`).
 */
export class PredefinedTopicTable {
  /** Global topics by id. */
  readonly globalTopics: TopicsById;
  /** Per-client topics by id, by ClientId. */
  readonly clientTopics: ReadonlyMap<string, TopicsById>;
  /** Highest predefined id; normal ids are allocated above it (DESIGN.md, topic ids). */
  readonly maxTopicId: number;
  private readonly globalByName: Map<string, number>;
  private readonly clientByName = new Map<string, Map<string, number>>();

  /**
   * From the file's entries; `maps` is for `fromMaps` only (a ClientId `*` in the gateway's option
   * maps is a client of that name, not "every client").
   */
  constructor(
    readonly entries: readonly PredefinedTopic[] = [],
    maps: { global: TopicsById; perClient: ReadonlyMap<string, TopicsById> } = byId(entries),
  ) {
    this.globalTopics = maps.global;
    this.clientTopics = maps.perClient;
    this.globalByName = byName(maps.global);
    for (const [clientId, topics] of maps.perClient) this.clientByName.set(clientId, byName(topics));
    let highest = 0;
    for (const entry of entries) highest = Math.max(highest, entry.topicId);
    this.maxTopicId = Math.min(highest, MAX_TOPIC_ID);
  }

  /** The gateway's options form: global topics by id, and per ClientId its own topics by id. */
  static fromMaps(global: TopicsById, perClient: ReadonlyMap<string, TopicsById>): PredefinedTopicTable {
    const entries: PredefinedTopic[] = [];
    for (const [topicId, topicName] of global)
      entries.push({ clientId: ALL_CLIENTS, topicName, topicId, line: 0 });
    for (const [clientId, topics] of perClient)
      for (const [topicId, topicName] of topics) entries.push({ clientId, topicName, topicId, line: 0 });
    return new PredefinedTopicTable(entries, { global, perClient });
  }

  get size(): number {
    return this.entries.length;
  }

  /** The topic of a predefined id for `clientId` (undefined: an unknown sender, global ids only, MQTT-SN §6.8). */
  topicName(clientId: string | undefined, topicId: number): string | undefined {
    const own = clientId === undefined ? undefined : this.clientTopics.get(clientId)?.get(topicId);
    return own ?? this.globalTopics.get(topicId);
  }

  /**
   * A global id that the client's own entries reuse for another topic is not this topic's id for
   * that client: it would name the other topic (both directions must agree, MQTT-SN §5.3.11).
   */
  topicId(clientId: string, topicName: string): number | undefined {
    const ownId = this.clientByName.get(clientId)?.get(topicName);
    if (ownId !== undefined) return ownId;
    const globalId = this.globalByName.get(topicName);
    return globalId !== undefined && this.clientTopics.get(clientId)?.has(globalId) ? undefined : globalId;
  }
}

function byId(entries: readonly PredefinedTopic[]): {
  global: Map<number, string>;
  perClient: Map<string, Map<number, string>>;
} {
  const global = new Map<number, string>();
  const perClient = new Map<string, Map<number, string>>();
  for (const entry of entries) {
    if (entry.clientId === ALL_CLIENTS) {
      global.set(entry.topicId, entry.topicName);
      continue;
    }
    let topics = perClient.get(entry.clientId);
    if (topics === undefined) {
      topics = new Map();
      perClient.set(entry.clientId, topics);
    }
    topics.set(entry.topicId, entry.topicName);
  }
  return { global, perClient };
}

function byName(topics: TopicsById): Map<string, number> {
  const ids = new Map<string, number>();
  for (const [id, name] of topics) if (!ids.has(name)) ids.set(name, id);
  return ids;
}

export function loadPredefinedTopics(file: string): PredefinedTopicTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, 0, undefined, `cannot read the predefined topics file (${describe(error)})`);
  }
  return parsePredefinedTopics(text, file);
}

export function parsePredefinedTopics(text: string, file: string): PredefinedTopicTable {
  const entries: PredefinedTopic[] = [];
  const conflicts = new ConflictCheck(file);
  const lines = text.split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    const content = rawLine.trim();
    if (content === '' || content.startsWith('#')) continue;
    const entry = parseEntry(content, file, index + 1);
    conflicts.add(entry);
    entries.push(entry);
  }
  return new PredefinedTopicTable(entries);
}

function parseEntry(content: string, file: string, line: number): PredefinedTopic {
  const fail = (detail: string): never => {
    throw new ConfigError(file, line, undefined, detail);
  };
  const first = content.indexOf(',');
  const last = content.lastIndexOf(',');
  if (first < 0 || first === last) fail(`expected 'ClientId|*, TopicName, TopicId', got '${content}'`);
  const clientId = content.slice(0, first).trim();
  const topicName = content.slice(first + 1, last).trim();
  const idText = content
    .slice(last + 1)
    .trim()
    .replace(/;$/, '');
  if (clientId === '') fail("the ClientId is empty (use '*' for every client)");
  if (clientId !== ALL_CLIENTS && clientId.length > 23) {
    fail(`ClientId '${clientId}' is longer than 23 characters (MQTT-SN §5.3.1)`);
  }
  if (topicName === '') fail('the topic name is empty');
  if (/[+#]/.test(topicName)) fail(`topic name '${topicName}' contains a wildcard (+ or #)`);
  if (!/^\d+$/.test(idText) || Number(idText) < 1 || Number(idText) > MAX_TOPIC_ID) {
    fail(`expected a topic id 1..${MAX_TOPIC_ID}, got '${idText}'`);
  }
  return { clientId, topicName, topicId: Number(idText), line };
}

/** One id means one topic, and one topic one id, within the same scope (a client or `*`). */
class ConflictCheck {
  private readonly byId = new Map<string, PredefinedTopic>();
  private readonly byName = new Map<string, PredefinedTopic>();

  constructor(private readonly file: string) {}

  add(entry: PredefinedTopic): void {
    const idKey = `${entry.clientId}\u0000${entry.topicId}`;
    const nameKey = `${entry.clientId}\u0000${entry.topicName}`;
    const sameId = this.byId.get(idKey);
    if (sameId !== undefined) {
      this.fail(
        entry,
        `topic id ${entry.topicId} for '${entry.clientId}' is already defined on line ${sameId.line}`,
      );
    }
    const sameName = this.byName.get(nameKey);
    if (sameName !== undefined) {
      this.fail(
        entry,
        `topic '${entry.topicName}' for '${entry.clientId}' already has id ${sameName.topicId} (line ${sameName.line})`,
      );
    }
    this.byId.set(idKey, entry);
    this.byName.set(nameKey, entry);
  }

  private fail(entry: PredefinedTopic, detail: string): never {
    throw new ConfigError(this.file, entry.line, undefined, detail);
  }
}

function describe(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : String(error);
}
