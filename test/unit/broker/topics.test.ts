/** Topic validation, single-filter matching, and the subscription tree (MQTT 5 §4.7, §4.8). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicMatchesFilter } from '../../../src/broker/topics/match.js';
import { pickSharedMember } from '../../../src/broker/topics/shared.js';
import { SubscriptionTree } from '../../../src/broker/topics/subscription-tree.js';
import { isValidTopicFilter, isValidTopicName, parseFilter } from '../../../src/broker/topics/validate.js';

describe('topic validation', () => {
  it('accepts names and rejects wildcards, U+0000, empty and over-long names [MQTT-4.7.3-1..3]', () => {
    expect(isValidTopicName('a/b')).toBe(true);
    expect(isValidTopicName('/')).toBe(true);
    expect(isValidTopicName('$SYS/x')).toBe(true);
    expect(isValidTopicName('')).toBe(false);
    expect(isValidTopicName('a/+')).toBe(false);
    expect(isValidTopicName('a/#')).toBe(false);
    expect(isValidTopicName('a\u0000b')).toBe(false);
    expect(isValidTopicName('a'.repeat(65535))).toBe(true);
    expect(isValidTopicName('a'.repeat(65536))).toBe(false);
    expect(isValidTopicName('é'.repeat(32768))).toBe(false); // 65536 bytes in UTF-8
  });

  it('accepts wildcards only as whole levels, # only last [MQTT-4.7.1-1, MQTT-4.7.1-2]', () => {
    for (const ok of ['#', '+', 'a/#', '+/+', 'a/+/b', '/+', '+/', 'sport/tennis/#', '$SYS/#']) {
      expect(isValidTopicFilter(ok), ok).toBe(true);
    }
    for (const bad of ['', 'a#', 'a/#/b', 'a+', 'a/b+', '#/a', '++', 'a/##', 'x\u0000']) {
      expect(isValidTopicFilter(bad), bad).toBe(false);
    }
  });

  it('parses $share/<group>/<filter> and rejects bad groups [MQTT-4.8.2-1, MQTT-4.8.2-2]', () => {
    expect(parseFilter('$share/g/a/+')).toEqual({ ok: true, filter: 'a/+', shareGroup: 'g' });
    expect(parseFilter('a/b')).toEqual({ ok: true, filter: 'a/b', shareGroup: undefined });
    expect(parseFilter('$share/g')).toMatchObject({ ok: false, reason: 'invalid-share' });
    expect(parseFilter('$share//a')).toMatchObject({ ok: false, reason: 'invalid-share' });
    expect(parseFilter('$share/g+/a')).toMatchObject({ ok: false, reason: 'invalid-share' });
    expect(parseFilter('$share/g/a#')).toMatchObject({ ok: false, reason: 'invalid-filter' });
  });
});

describe('topicMatchesFilter', () => {
  it('matches the examples of MQTT 5 §4.7.1', () => {
    expect(topicMatchesFilter('sport/tennis/player1/#', 'sport/tennis/player1')).toBe(true);
    expect(topicMatchesFilter('sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon')).toBe(true);
    expect(topicMatchesFilter('sport/#', 'sport')).toBe(true);
    expect(topicMatchesFilter('sport/tennis/+', 'sport/tennis/player1')).toBe(true);
    expect(topicMatchesFilter('sport/tennis/+', 'sport/tennis/player1/ranking')).toBe(false);
    expect(topicMatchesFilter('sport/+', 'sport')).toBe(false);
    expect(topicMatchesFilter('sport/+', 'sport/')).toBe(true);
    expect(topicMatchesFilter('+/+', '/finance')).toBe(true);
    expect(topicMatchesFilter('/+', '/finance')).toBe(true);
    expect(topicMatchesFilter('+', '/finance')).toBe(false);
  });

  it('does not match $-topics with a root wildcard [MQTT-4.7.2-1]', () => {
    expect(topicMatchesFilter('#', '$SYS/broker')).toBe(false);
    expect(topicMatchesFilter('+/broker', '$SYS/broker')).toBe(false);
    expect(topicMatchesFilter('$SYS/#', '$SYS/broker')).toBe(true);
    expect(topicMatchesFilter('$SYS/+', '$SYS/broker')).toBe(true);
  });
});

/** The simplest possible matcher, level by level, as the reference for the property test. */
function referenceMatch(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (t[0]!.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

const level = fc.constantFrom('a', 'b', '', '$x', 'c');
const topicArb = fc
  .array(level, { minLength: 1, maxLength: 5 })
  .map((ls) => ls.join('/'))
  .filter((t) => t.length > 0);
const filterArb = fc
  .tuple(fc.array(fc.constantFrom('a', 'b', '', '+', '$x'), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([ls, hash]) => (hash ? [...ls, '#'] : ls).join('/'))
  .filter((f) => f.length > 0);

describe('matching properties (fast-check)', () => {
  it('topicMatchesFilter agrees with the reference matcher', () => {
    fc.assert(
      fc.property(filterArb, topicArb, (filter, topic) => {
        expect(topicMatchesFilter(filter, topic)).toBe(referenceMatch(filter, topic));
      }),
      { numRuns: 2000 },
    );
  });

  it('the subscription tree finds exactly the filters the reference matcher matches', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(filterArb, { maxLength: 12 }),
        fc.array(topicArb, { maxLength: 8 }),
        (filters, topics) => {
          const tree = new SubscriptionTree<string>();
          for (const f of filters) tree.add(f, undefined, f, { qos: 0 });
          for (const topic of topics) {
            const got = tree
              .match(topic)
              .normal.map((a) => a.owner)
              .sort();
            const want = filters.filter((f) => referenceMatch(f, topic)).sort();
            expect(got).toEqual(want);
          }
          // Removing everything leaves nothing behind.
          for (const f of filters) expect(tree.remove(f, undefined, f)).toBe(true);
          expect(tree.count).toBe(0);
          for (const topic of topics) expect(tree.match(topic).normal).toHaveLength(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('SubscriptionTree', () => {
  it('folds overlapping subscriptions of one owner: max QoS, every subscription id', () => {
    const tree = new SubscriptionTree<string>();
    tree.add('a/+', undefined, 'c1', { qos: 0, subscriptionId: 1 });
    tree.add('a/#', undefined, 'c1', { qos: 2, subscriptionId: 2 });
    tree.add('a/b', undefined, 'c1', { qos: 1 });
    tree.add('a/b', undefined, 'c2', { qos: 1, subscriptionId: 7 });
    const result = tree.match('a/b');
    expect(result.normal).toHaveLength(2);
    const c1 = result.normal.find((a) => a.owner === 'c1')!;
    expect(c1.qos).toBe(2);
    expect([...(c1.subscriptionIds ?? [])].sort()).toEqual([1, 2]);
    const c2 = result.normal.find((a) => a.owner === 'c2')!;
    expect(c2.subscriptionIds).toEqual([7]);
  });

  it('keeps the no-local fold apart: only subscriptions without noLocal count for own messages', () => {
    const tree = new SubscriptionTree<string>();
    tree.add('a/#', undefined, 'c1', { qos: 2, noLocal: true });
    tree.add('a/b', undefined, 'c1', { qos: 1 });
    const agg = tree.match('a/b').normal[0]!;
    expect(agg.qos).toBe(2);
    expect(agg.local?.qos).toBe(1);
    tree.remove('a/b', undefined, 'c1');
    expect(tree.match('a/b').normal[0]!.local).toBeNull();
  });

  it('replacing a subscription changes its options without adding a second one', () => {
    const tree = new SubscriptionTree<string>();
    expect(tree.add('x', undefined, 'c', { qos: 0 })).toBe(true);
    expect(tree.add('x', undefined, 'c', { qos: 2 })).toBe(false);
    expect(tree.count).toBe(1);
    expect(tree.match('x').normal[0]!.qos).toBe(2);
  });

  it('returns shared groups; plain round robin in subscription order (mosquitto)', () => {
    const tree = new SubscriptionTree<string>();
    tree.add('s/+', 'g', 'm1', { qos: 1 });
    tree.add('s/+', 'g', 'm2', { qos: 1 });
    tree.add('s/+', 'g', 'm3', { qos: 1 });
    const group = tree.match('s/1').shared[0]!;
    expect([1, 2, 3, 4].map(() => pickSharedMember(group)?.owner)).toEqual(['m1', 'm2', 'm3', 'm1']);
    expect(tree.remove('s/+', 'g', 'm3')).toBe(true);
    expect([1, 2, 3].map(() => pickSharedMember(group)?.owner)).toEqual(['m2', 'm1', 'm2']);
    expect(tree.remove('s/+', 'g', 'm1') && tree.remove('s/+', 'g', 'm2')).toBe(true);
    expect(tree.match('s/1').shared).toHaveLength(0);
  });

  it('invalidates its match cache on every change', () => {
    const tree = new SubscriptionTree<string>();
    expect(tree.match('a').normal).toHaveLength(0);
    tree.add('a', undefined, 'c', { qos: 0 });
    expect(tree.match('a').normal).toHaveLength(1);
    tree.remove('a', undefined, 'c');
    expect(tree.match('a').normal).toHaveLength(0);
  });
});
