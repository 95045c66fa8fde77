/** Topic ids per client (MQTT-SN §7.3) and predefined topics (§6.7). */
import { describe, expect, it } from 'vitest';
import { PredefinedTopicTable } from '../../../src/config/predefined-topics.js';
import { isValidTopicName, TopicRegistry } from '../../../src/gateway/topic-registry.js';

describe('TopicRegistry', () => {
  it('allocates from the first id up, gives a known name its id again, refuses beyond the maximum', () => {
    const r = new TopicRegistry(10, 3);
    expect([r.register('a'), r.register('b'), r.register('a'), r.register('c')]).toEqual([10, 11, 10, 12]);
    expect(r.register('d')).toBeUndefined();
    expect(r.nameOf(11)).toBe('b');
    expect(r.idOf('c')).toBe(12);
    expect(r.size).toBe(3);
  });

  it('wraps at 0xFFFF back to the first id, skipping ids in use', () => {
    const r = new TopicRegistry(0xfffe, 10);
    expect(r.register('a')).toBe(0xfffe);
    expect(r.register('b')).toBe(0xffff);
    r.remove(0xfffe);
    expect(r.register('c')).toBe(0xfffe);
    expect(r.register('d')).toBeUndefined(); // only two ids exist in this range
  });

  it('tracks which ids the client knows in this connection', () => {
    const r = new TopicRegistry(1, 10);
    const id = r.register('x') ?? 0;
    expect(r.isAnnounced(id)).toBe(false);
    r.markAnnounced(id);
    expect(r.isAnnounced(id)).toBe(true);
    r.resetAnnouncements();
    expect(r.isAnnounced(id)).toBe(false);
    expect(r.idOf('x')).toBe(id); // the id itself is kept
  });

  it('saves and restores, ignoring entries that cannot be ids of this table', () => {
    const r = new TopicRegistry(5, 100);
    r.register('a');
    r.register('b');
    const copy = new TopicRegistry(5, 100);
    copy.restore(r.save());
    expect(copy.idOf('b')).toBe(6);
    expect(copy.register('c')).toBe(7); // nextId restored: no reuse
    const broken = new TopicRegistry(5, 100);
    broken.restore({
      topics: [
        ['ok', 9],
        ['low', 1],
        ['big', 70000],
        [3 as unknown as string, 8],
      ],
      nextId: -4,
    });
    expect([broken.idOf('ok'), broken.idOf('low'), broken.idOf('big'), broken.size]).toEqual([
      9,
      undefined,
      undefined,
      1,
    ]);
    expect(broken.register('next')).toBe(5);
  });

  it('clear() forgets everything and starts again at the first id', () => {
    const r = new TopicRegistry(1, 10);
    r.register('a');
    r.register('b');
    r.clear();
    expect(r.size).toBe(0);
    expect(r.register('c')).toBe(1);
  });
});

describe('PredefinedTopicTable.fromMaps (the gateway options form)', () => {
  const index = PredefinedTopicTable.fromMaps(
    new Map([
      [1, 'global/one'],
      [2, 'global/two'],
    ]),
    new Map([
      [
        'dev',
        new Map([
          [2, 'dev/two'],
          [40, 'dev/forty'],
        ]),
      ],
    ]),
  );

  it('per-client entries take precedence; unknown clients see the global ones', () => {
    expect(index.topicName('dev', 2)).toBe('dev/two');
    expect(index.topicName('dev', 1)).toBe('global/one');
    expect(index.topicName('other', 2)).toBe('global/two');
    expect(index.topicName(undefined, 40)).toBeUndefined();
    expect(index.topicName(undefined, 2)).toBe('global/two');
    expect(index.topicId('dev', 'dev/forty')).toBe(40);
    expect(index.topicId('other', 'dev/forty')).toBeUndefined();
    expect(index.topicId('other', 'global/two')).toBe(2);
  });

  it('a global name whose id the client uses for its own topic is not predefined for it (§5.3.11)', () => {
    expect(index.topicId('dev', 'global/two')).toBeUndefined();
    expect(index.topicId('dev', 'global/one')).toBe(1);
  });

  it("a client named '*' in the maps is that client, not every client", () => {
    const table = PredefinedTopicTable.fromMaps(new Map(), new Map([['*', new Map([[3, 'star/three']])]]));
    expect(table.topicName('*', 3)).toBe('star/three');
    expect(table.topicName('other', 3)).toBeUndefined();
  });

  it('knows the highest predefined id, so normal ids start above it', () => {
    expect(index.maxTopicId).toBe(40);
  });
});

describe('isValidTopicName', () => {
  it('refuses empty names, wildcards and U+0000', () => {
    expect(['a/b', '$x', 'é'].map(isValidTopicName)).toEqual([true, true, true]);
    expect(['', 'a/+', '#', 'a\u0000'].map(isValidTopicName)).toEqual([false, false, false, false]);
  });
});
