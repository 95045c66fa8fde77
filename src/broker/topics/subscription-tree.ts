/**
 * The subscription trie: one node per topic level, with `+` and `#` branches kept apart from the
 * literal children so matching is a walk, not a scan (mosquitto subs.c, rumqttd's router).
 *
 * Matching is the hot path. A topic is split once; results are cached per topic name until the
 * next subscription change (fan-in publishes the same topics over and over). Overlapping
 * subscriptions of one owner are folded into ONE delivery at the highest QoS carrying every
 * subscription identifier (what 3.1.1 and MQTT-SN clients get); the single subscriptions are
 * kept beside the fold as `parts`, for clients that get one copy per subscription (MQTT 5). Shared groups (`$share/<group>/<filter>`) are
 * returned as groups; the caller picks one member per message.
 */
import type { QoS, SubscriptionOptions } from '../types.js';

export interface SubEntry<S> {
  readonly owner: S;
  readonly options: SubscriptionOptions;
}

/** A shared subscription group on one filter: one member receives each message (MQTT 5 §4.8.2). */
export interface SharedGroup<S> {
  readonly name: string;
  readonly members: SubEntry<S>[];
  /** Round-robin cursor. */
  next: number;
}

/** What one owner receives for one topic, all its matching subscriptions folded together. */
export interface Aggregate<S> {
  readonly owner: S;
  readonly qos: QoS;
  readonly subscriptionIds: readonly number[] | undefined;
  readonly retainAsPublished: boolean;
  /** The fold over subscriptions without noLocal: used when `owner` published the message. */
  readonly local: Aggregate<S> | null;
  /**
   * When several subscriptions of the owner matched: each of them alone, in mosquitto's walk
   * order, for owners that get one copy per subscription (MQTT 5 clients, as mosquitto does;
   * allowed by MQTT 5 §3.3.4 [MQTT-3.3.4-5]). Undefined when one subscription matched.
   */
  readonly parts?: readonly Aggregate<S>[];
}

export interface MatchResult<S> {
  readonly normal: readonly Aggregate<S>[];
  readonly shared: readonly SharedGroup<S>[];
}

interface TrieNode<S> {
  readonly key: string;
  readonly parent: TrieNode<S> | undefined;
  readonly children: Map<string, TrieNode<S>>;
  plus: TrieNode<S> | undefined;
  hash: TrieNode<S> | undefined;
  subs: Map<S, SubEntry<S>> | undefined;
  shared: Map<string, SharedGroup<S>> | undefined;
}

const CACHE_LIMIT = 8192;
const EMPTY: MatchResult<never> = { normal: [], shared: [] };

function newNode<S>(key: string, parent: TrieNode<S> | undefined): TrieNode<S> {
  return {
    key,
    parent,
    children: new Map(),
    plus: undefined,
    hash: undefined,
    subs: undefined,
    shared: undefined,
  };
}

export class SubscriptionTree<S> {
  private readonly root: TrieNode<S> = newNode('', undefined);
  private readonly cache = new Map<string, MatchResult<S>>();
  private entries = 0;
  private sharedEntries = 0;

  /** Number of subscriptions (shared members included), for $SYS. */
  get count(): number {
    return this.entries;
  }

  /** Number of shared subscription members, for $SYS/broker/shared_subscriptions/count. */
  get sharedCount(): number {
    return this.sharedEntries;
  }

  /** Add or replace `owner`'s subscription on `filter` (valid, without the `$share/` prefix). */
  add(filter: string, shareGroup: string | undefined, owner: S, options: SubscriptionOptions): boolean {
    this.cache.clear();
    const node = this.nodeFor(filter, true)!;
    const entry: SubEntry<S> = { owner, options };
    if (shareGroup === undefined) {
      node.subs ??= new Map();
      const isNew = !node.subs.has(owner);
      node.subs.set(owner, entry);
      if (isNew) this.entries++;
      return isNew;
    }
    node.shared ??= new Map();
    let group = node.shared.get(shareGroup);
    if (!group) {
      group = { name: shareGroup, members: [], next: 0 };
      node.shared.set(shareGroup, group);
    }
    const at = group.members.findIndex((m) => m.owner === owner);
    if (at !== -1) {
      group.members[at] = entry;
      return false;
    }
    group.members.push(entry);
    this.entries++;
    this.sharedEntries++;
    return true;
  }

  remove(filter: string, shareGroup: string | undefined, owner: S): boolean {
    const node = this.nodeFor(filter, false);
    if (!node) return false;
    let removed = false;
    if (shareGroup === undefined) {
      removed = node.subs?.delete(owner) ?? false;
      if (node.subs?.size === 0) node.subs = undefined;
    } else {
      const group = node.shared?.get(shareGroup);
      const at = group ? group.members.findIndex((m) => m.owner === owner) : -1;
      if (group && at !== -1) {
        group.members.splice(at, 1);
        if (group.next > at) group.next--;
        if (group.members.length === 0) node.shared?.delete(shareGroup);
        if (node.shared?.size === 0) node.shared = undefined;
        this.sharedEntries--;
        removed = true;
      }
    }
    if (removed) {
      this.entries--;
      this.cache.clear();
      this.prune(node);
    }
    return removed;
  }

  /** Every subscription matching `topic` (a valid topic name), folded per owner. */
  match(topic: string): MatchResult<S> {
    const cached = this.cache.get(topic);
    if (cached) return cached;
    const found: SubEntry<S>[] = [];
    const shared: SharedGroup<S>[] = [];
    const levels = topic.split('/');
    const dollar = topic.charCodeAt(0) === 0x24;
    this.collect(this.root, levels, 0, dollar, found, shared);
    const result: MatchResult<S> =
      found.length === 0 && shared.length === 0 ? EMPTY : { normal: fold(found), shared };
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(topic, result);
    return result;
  }

  /**
   * Walks the trie in mosquitto's order (subs.c sub__search), so that a v5 client, which gets one
   * copy per matching subscription, gets them in the order mosquitto sends them: at each level
   * the literal child first, then `+`, then `#`; at the last level a child's `#` ("a/#" also
   * matches "a", MQTT 5 §4.7.1.2) comes before the child's own subscriptions.
   */
  private collect(
    node: TrieNode<S>,
    levels: string[],
    i: number,
    dollar: boolean,
    found: SubEntry<S>[],
    shared: SharedGroup<S>[],
  ): void {
    // [MQTT-4.7.2-1] wildcards at the root level do not match topics starting with `$`.
    const wildcards = !(i === 0 && dollar);
    if (i < levels.length) {
      const last = i + 1 === levels.length;
      const child = node.children.get(levels[i]!);
      if (child) {
        this.collect(child, levels, i + 1, dollar, found, shared);
        if (last) addAll(child, found, shared);
      }
      if (wildcards && node.plus) {
        this.collect(node.plus, levels, i + 1, dollar, found, shared);
        if (last) addAll(node.plus, found, shared);
      }
    }
    if (wildcards && node.hash) addAll(node.hash, found, shared);
  }

  private nodeFor(filter: string, create: boolean): TrieNode<S> | undefined {
    let node = this.root;
    for (const level of filter.split('/')) {
      let next = level === '+' ? node.plus : level === '#' ? node.hash : node.children.get(level);
      if (!next) {
        if (!create) return undefined;
        next = newNode(level, node);
        if (level === '+') node.plus = next;
        else if (level === '#') node.hash = next;
        else node.children.set(level, next);
      }
      node = next;
    }
    return node;
  }

  /** Drop empty nodes up towards the root so the trie does not grow forever. */
  private prune(node: TrieNode<S>): void {
    let current: TrieNode<S> | undefined = node;
    while (current?.parent) {
      if (current.subs || current.shared || current.plus || current.hash || current.children.size > 0) return;
      const parent: TrieNode<S> = current.parent;
      if (parent.plus === current) parent.plus = undefined;
      else if (parent.hash === current) parent.hash = undefined;
      else parent.children.delete(current.key);
      current = parent;
    }
  }
}

function addAll<S>(node: TrieNode<S>, found: SubEntry<S>[], shared: SharedGroup<S>[]): void {
  if (node.subs) for (const entry of node.subs.values()) found.push(entry);
  if (node.shared) for (const group of node.shared.values()) shared.push(group);
}

function single<S>(entry: SubEntry<S>): Aggregate<S> {
  const o = entry.options;
  const ids = o.subscriptionId === undefined ? undefined : [o.subscriptionId];
  const agg: { -readonly [K in keyof Aggregate<S>]: Aggregate<S>[K] } = {
    owner: entry.owner,
    qos: o.qos,
    subscriptionIds: ids,
    retainAsPublished: o.retainAsPublished === true,
    local: null,
  };
  agg.local = o.noLocal ? null : agg;
  return agg;
}

/** Fold the subscriptions of each owner into one delivery: max QoS, all ids, any retain-as-published. */
function fold<S>(found: SubEntry<S>[]): Aggregate<S>[] {
  if (found.length === 1) return [single(found[0]!)];
  const byOwner = new Map<S, SubEntry<S>[]>();
  for (const entry of found) {
    const list = byOwner.get(entry.owner);
    if (list) list.push(entry);
    else byOwner.set(entry.owner, [entry]);
  }
  const out: Aggregate<S>[] = [];
  for (const [owner, list] of byOwner) {
    if (list.length === 1) {
      out.push(single(list[0]!));
      continue;
    }
    const local = list.filter((e) => !e.options.noLocal);
    const localAgg = local.length > 0 ? merge(owner, local, null) : null;
    const folded = local.length === list.length ? localAgg! : merge(owner, list, localAgg);
    out.push({ ...folded, parts: list.map(single) });
  }
  return out;
}

function merge<S>(owner: S, list: SubEntry<S>[], local: Aggregate<S> | null): Aggregate<S> {
  let qos: QoS = 0;
  let rap = false;
  let ids: number[] | undefined;
  for (const { options } of list) {
    if (options.qos > qos) qos = options.qos;
    if (options.retainAsPublished) rap = true;
    if (options.subscriptionId !== undefined) {
      ids ??= [];
      ids.push(options.subscriptionId);
    }
  }
  const agg: { -readonly [K in keyof Aggregate<S>]: Aggregate<S>[K] } = {
    owner,
    qos,
    subscriptionIds: ids,
    retainAsPublished: rap,
    local,
  };
  if (local === null && list.every((e) => !e.options.noLocal)) agg.local = agg;
  return agg;
}
