/**
 * Retained messages, one per topic: set, replace, clear with an empty payload (MQTT 5 §3.3.1.3,
 * [MQTT-3.3.1-6], [MQTT-3.3.1-7]); an expired one is removed when found (v5 message expiry).
 *
 * Kept in a topic-level tree, walked the way mosquitto 2.0 walks its retain tree (retain.c
 * retain__search), so a wildcard subscriber gets retained messages in mosquitto's order
 * (checked by test/differential/18-ordering): children in the order their level was first
 * created; under `#` a node before its descendants, except the filter's own parent level
 * ("a" for "a/#"), which comes after them. A node whose message is cleared keeps its place, as
 * on mosquitto; empty nodes are swept only once they outnumber the live ones (memory bound).
 */
import type { Message } from './types.js';

interface RetainNode {
  readonly key: string;
  readonly parent: RetainNode | undefined;
  readonly children: Map<string, RetainNode>;
  message: Message | undefined;
}

const newNode = (key: string, parent: RetainNode | undefined): RetainNode => ({
  key,
  parent,
  children: new Map(),
  message: undefined,
});

/** Sweeping empty nodes is worth it only past this many. */
const SWEEP_MIN_EMPTY = 1024;

export class RetainedStore {
  private readonly byTopic = new Map<string, RetainNode>();
  private readonly root = newNode('', undefined);
  /** Nodes that hold no message (cleared, or levels above messages). */
  private emptyNodes = 0;

  get size(): number {
    return this.byTopic.size;
  }

  /** Returns what changed: the message stored, or undefined when the topic was cleared. */
  set(message: Message): Message | undefined {
    if (message.payload.length === 0) {
      this.delete(message.topic);
      return undefined;
    }
    const node = this.byTopic.get(message.topic) ?? this.nodeFor(message.topic);
    if (node.message === undefined) this.emptyNodes--;
    node.message = message;
    this.byTopic.set(message.topic, node);
    return message;
  }

  delete(topic: string): void {
    const node = this.byTopic.get(topic);
    if (!node) return;
    node.message = undefined;
    this.byTopic.delete(topic);
    this.emptyNodes++;
    if (this.emptyNodes > SWEEP_MIN_EMPTY && this.emptyNodes > this.byTopic.size) this.sweep();
  }

  /** Retained messages matching `filter` (plain, valid), expired ones purged on the way. */
  matching(filter: string, now: number, onExpired: (topic: string) => void): Message[] {
    const out: Message[] = [];
    const take = (node: RetainNode): void => {
      const m = node.message;
      if (!m) return;
      if (m.expiresAt !== undefined && m.expiresAt <= now) {
        this.delete(m.topic);
        onExpired(m.topic);
      } else {
        out.push(m);
      }
    };
    if (!filter.includes('+') && !filter.includes('#')) {
      const node = this.byTopic.get(filter);
      if (node) take(node);
      return out;
    }
    const levels = filter.split('/');
    this.search(this.root, levels, 0, 0, take);
    return out;
  }

  values(): IterableIterator<Message> {
    const nodes = this.byTopic.values();
    return (function* () {
      for (const node of nodes) if (node.message) yield node.message;
    })();
  }

  /**
   * mosquitto's retain__search. Returns true when `levels[i]` was a final `#` (so the caller
   * takes its own node after the descendants).
   */
  private search(
    node: RetainNode,
    levels: string[],
    i: number,
    depth: number,
    take: (n: RetainNode) => void,
  ): boolean {
    const level = levels[i]!;
    const last = i + 1 === levels.length;
    if (level === '#' && last) {
      for (const child of this.visibleChildren(node, depth)) {
        take(child);
        if (child.children.size > 0) this.search(child, levels, i, depth + 1, take);
      }
      return true;
    }
    const candidates = level === '+' ? this.visibleChildren(node, depth) : literal(node, level);
    for (const child of candidates) {
      if (last) {
        take(child);
        continue;
      }
      this.search(child, levels, i + 1, depth + 1, take);
      // "a/#" also matches "a" (MQTT 5 §4.7.1.2). mosquitto 2.0.11 misses it for a `$` topic
      // with no children ("$d/#" and "$d"; its other topics sit one level deeper); we do not.
      if (levels[i + 1] === '#' && i + 2 === levels.length) take(child);
    }
    return false;
  }

  /** Children a wildcard may match: `$…` topics are not matched at the root [MQTT-4.7.2-1]. */
  private visibleChildren(node: RetainNode, depth: number): RetainNode[] {
    const children = [...node.children.values()];
    return depth === 0 ? children.filter((c) => !c.key.startsWith('$')) : children;
  }

  private nodeFor(topic: string): RetainNode {
    let node = this.root;
    for (const level of topic.split('/')) {
      let next = node.children.get(level);
      if (!next) {
        next = newNode(level, node);
        node.children.set(level, next);
        this.emptyNodes++;
      }
      node = next;
    }
    return node;
  }

  /** Removes every node with neither a message nor descendants. */
  private sweep(): void {
    const prune = (node: RetainNode): boolean => {
      for (const [key, child] of node.children) if (prune(child)) node.children.delete(key);
      const empty = node.message === undefined && node.children.size === 0;
      if (empty && node !== this.root) this.emptyNodes--;
      return empty && node !== this.root;
    };
    prune(this.root);
  }
}

function literal(node: RetainNode, level: string): RetainNode[] {
  const child = node.children.get(level);
  return child ? [child] : [];
}
