/**
 * Topic ids per client (MQTT-SN §7.3: one table per client, so a wrong id from one client never
 * lands on another client's topic) and the predefined topics (§6.7), global and per client.
 *
 * Normal ids are allocated above the highest predefined id (DESIGN.md "Topic ids"), are not
 * limited to a handful (Paho drops messages past 50), and survive CleanSession=0 reconnects and
 * gateway restarts (serialised with the client's gateway state). The predefined topics are
 * config's PredefinedTopicTable (one implementation of their lookup rules).
 */
const MAX_TOPIC_ID = 0xffff;

export interface SavedTopics {
  topics: [string, number][];
  nextId: number;
}

export class TopicRegistry {
  // Created on first use: most sensors use few topics, and 100 000 clients × three empty Maps is
  // memory for nothing (target: ≤ 2 KB per connected client).
  private idByName: Map<string, number> | undefined;
  private nameById: Map<number, string> | undefined;
  /**
   * Ids the client has learnt in the current connection (its REGISTER, our SUBACK or REGACKed
   * REGISTER). After a reconnect the gateway REGISTERs a kept id again before its first PUBLISH
   * (§6.5, §6.10: "when the client re-connects without having set CleanSession"): a client that
   * rebooted keeps working, and its ids do not change.
   */
  private announced: Set<number> | undefined;
  private nextId: number;

  constructor(
    private readonly firstId: number,
    private readonly maxTopics: number,
  ) {
    this.nextId = firstId;
  }

  get size(): number {
    return this.nameById?.size ?? 0;
  }

  idOf(name: string): number | undefined {
    return this.idByName?.get(name);
  }

  nameOf(id: number): string | undefined {
    return this.nameById?.get(id);
  }

  /** The id of `name`, allocating one; undefined when the client's table is full. */
  register(name: string): number | undefined {
    const known = this.idByName?.get(name);
    if (known !== undefined) return known;
    if (this.size >= this.maxTopics) return undefined;
    const id = this.allocateId();
    if (id === undefined) return undefined;
    this.put(name, id);
    return id;
  }

  remove(id: number): void {
    const name = this.nameById?.get(id);
    if (name === undefined) return;
    this.nameById?.delete(id);
    this.idByName?.delete(name);
    this.announced?.delete(id);
  }

  isAnnounced(id: number): boolean {
    return this.announced?.has(id) === true;
  }

  markAnnounced(id: number): void {
    this.announced ??= new Set();
    this.announced.add(id);
  }

  /** A new connection: the client may have forgotten every id (see `announced`). */
  resetAnnouncements(): void {
    this.announced = undefined;
  }

  clear(): void {
    this.idByName = undefined;
    this.nameById = undefined;
    this.announced = undefined;
    this.nextId = this.firstId;
  }

  save(): SavedTopics {
    return { topics: [...(this.idByName?.entries() ?? [])], nextId: this.nextId };
  }

  restore(saved: SavedTopics): void {
    this.clear();
    for (const [name, id] of saved.topics) {
      if (typeof name !== 'string' || !Number.isInteger(id) || id < this.firstId || id > MAX_TOPIC_ID)
        continue;
      this.put(name, id);
    }
    const next = saved.nextId;
    this.nextId =
      Number.isInteger(next) && next >= this.firstId && next <= MAX_TOPIC_ID ? next : this.firstId;
  }

  private put(name: string, id: number): void {
    this.idByName ??= new Map();
    this.nameById ??= new Map();
    this.idByName.set(name, id);
    this.nameById.set(id, name);
  }

  private allocateId(): number | undefined {
    const span = MAX_TOPIC_ID - this.firstId + 1;
    for (let tries = 0; tries < span; tries++) {
      const id = this.nextId;
      this.nextId = id >= MAX_TOPIC_ID ? this.firstId : id + 1;
      if (this.nameById?.has(id) !== true) return id;
    }
    return undefined;
  }
}

/** A topic name a client may publish to or register: non-empty, no wildcards (MQTT-4.7.1-1). */
export function isValidTopicName(name: string): boolean {
  return name.length > 0 && !name.includes('+') && !name.includes('#') && !name.includes('\u0000');
}

export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}
