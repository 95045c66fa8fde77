/**
 * Connection limits: overall, per address, and the per-address token bucket; each refusal counted.
 */
import { describe, expect, it } from 'vitest';
import { addressOf, ConnectionLimiter, describeRefusal } from '../../../src/security/limits.js';
import { topicLimitViolation } from '../../../src/security/topic-limits.js';

const unlimited = { maxConnections: -1, maxConnectionsPerAddress: -1, connectionRate: 0 };

describe('ConnectionLimiter', () => {
  it('unlimited by default values', () => {
    const l = new ConnectionLimiter(unlimited);
    for (let i = 0; i < 1000; i++) expect(l.admit('1.2.3.4').ok).toBe(true);
    expect(l.openConnections).toBe(1000);
    expect(l.counters.accepted).toBe(1000);
  });

  it('max_connections overall; a released slot frees room, twice released counts once', () => {
    const l = new ConnectionLimiter({ ...unlimited, maxConnections: 2 });
    const a = l.admit('a');
    const b = l.admit('b');
    expect(l.admit('c')).toEqual({ ok: false, reason: 'max-connections' });
    if (!a.ok || !b.ok) throw new Error('refused');
    a.slot.release();
    a.slot.release();
    expect(l.openConnections).toBe(1);
    expect(l.admit('c').ok).toBe(true);
    expect(l.admit('d').ok).toBe(false);
    expect(l.counters).toEqual({
      accepted: 3,
      refusedMaxConnections: 2,
      refusedPerAddress: 0,
      refusedRate: 0,
    });
  });

  it('max_connections_per_address counts each address on its own', () => {
    const l = new ConnectionLimiter({ ...unlimited, maxConnectionsPerAddress: 2 });
    const first = l.admit('10.0.0.1');
    l.admit('10.0.0.1');
    expect(l.admit('10.0.0.1')).toEqual({ ok: false, reason: 'max-connections-per-address' });
    expect(l.admit('10.0.0.2').ok).toBe(true);
    if (first.ok) first.slot.release();
    expect(l.connectionsFrom('10.0.0.1')).toBe(1);
    expect(l.admit('10.0.0.1').ok).toBe(true);
    expect(l.counters.refusedPerAddress).toBe(1);
  });

  it('an address whose last connection closed starts again from zero', () => {
    const l = new ConnectionLimiter({ ...unlimited, maxConnectionsPerAddress: 1 });
    for (let i = 0; i < 3; i++) {
      const slot = l.admit('10.0.0.9');
      if (!slot.ok) throw new Error(`reconnect ${i} refused: ${slot.reason}`);
      slot.slot.release();
      expect(l.connectionsFrom('10.0.0.9')).toBe(0);
    }
    expect(l.counters.refusedPerAddress).toBe(0);
  });

  it('connection_rate: a burst of `rate`, then one per 1/rate s; other addresses unaffected', () => {
    let now = 0;
    const l = new ConnectionLimiter({ ...unlimited, connectionRate: 5, now: () => now });
    const results = Array.from({ length: 8 }, () => l.admit('flood').ok);
    expect(results).toEqual([true, true, true, true, true, false, false, false]);
    expect(l.admit('other').ok).toBe(true);
    now += 200; // one token back
    expect(l.admit('flood').ok).toBe(true);
    expect(l.admit('flood').ok).toBe(false);
    now += 10_000; // refills to the cap only
    expect(Array.from({ length: 6 }, () => l.admit('flood').ok).filter(Boolean)).toHaveLength(5);
    expect(l.counters.refusedRate).toBe(5);
  });

  it('rate buckets are bounded, least recently used forgotten first', () => {
    const l = new ConnectionLimiter({
      ...unlimited,
      connectionRate: 1,
      maxTrackedAddresses: 3,
      now: () => 0,
    });
    l.admit('a');
    expect(l.admit('a').ok).toBe(false);
    for (const x of ['b', 'c', 'd']) l.admit(x);
    expect(l.trackedAddresses).toBe(3);
    expect(l.admit('a').ok).toBe(true); // forgotten: full bucket again
  });

  it('addresses and refusals in words', () => {
    expect(addressOf('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(addressOf('::1')).toBe('::1');
    expect(addressOf(undefined)).toBe('unknown');
    expect(describeRefusal('connection-rate', { ...unlimited, connectionRate: 3 })).toBe(
      'connection_rate (3/s) exceeded',
    );
  });
});

describe('topic limits', () => {
  it('length in UTF-8 bytes and number of levels', () => {
    expect(topicLimitViolation('a/b/c', { maxTopicLength: 5, maxTopicLevels: 3 })).toBeUndefined();
    expect(topicLimitViolation('a/b/c', { maxTopicLength: 4, maxTopicLevels: 0 })).toBe(
      'topic of 5 bytes exceeds max_topic_length 4',
    );
    expect(topicLimitViolation('ü', { maxTopicLength: 1, maxTopicLevels: 0 })).toMatch(/2 bytes/);
    expect(topicLimitViolation('a/b/c/', { maxTopicLength: 100, maxTopicLevels: 3 })).toBe(
      'topic of 4 levels exceeds max_topic_levels 3',
    );
  });
});

describe('no limits set', () => {
  it('is unlimited, and admission only counts', () => {
    const none = new ConnectionLimiter({
      maxConnections: -1,
      maxConnectionsPerAddress: -1,
      connectionRate: 0,
    });
    expect(none.unlimited).toBe(true);
    none.countAdmitted();
    expect(none.counters.accepted).toBe(1);
    expect(
      new ConnectionLimiter({ maxConnections: 5, maxConnectionsPerAddress: -1, connectionRate: 0 }).unlimited,
    ).toBe(false);
    expect(
      new ConnectionLimiter({ maxConnections: -1, maxConnectionsPerAddress: -1, connectionRate: 2 })
        .unlimited,
    ).toBe(false);
  });
});
