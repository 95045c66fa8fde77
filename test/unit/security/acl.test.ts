/**
 * ACL files in mosquitto's acl_file format and the Authorizer made from them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAclAuthorizer, parseAclFile } from '../../../src/security/acl.js';
import { SecurityFileError } from '../../../src/security/errors.js';
import {
  filterCoversFilter,
  filterMatchesTopic,
  levels,
  withoutSharePrefix,
} from '../../../src/security/topic-filter.js';

const ACL = `
# anonymous clients
topic read public/#
topic write public/anon

user alice
topic readwrite sensors/#
topic deny sensors/secret
topic write   cmd/alice with space

user bob
topic read sensors/+/temp
topic sensors/bob

pattern write devices/%c/out
pattern read devices/%c/in/#
pattern readwrite users/%u/#
`;

const auth = createAclAuthorizer(parseAclFile(ACL, 'acl'));

describe('parse', () => {
  it('reads users, anonymous lines and patterns with their access', () => {
    const acl = parseAclFile(ACL, 'acl');
    expect(acl.anonymous.map((r) => `${r.access} ${r.topic}`)).toEqual([
      'read public/#',
      'write public/anon',
    ]);
    expect(acl.users.get('alice')?.map((r) => `${r.access} ${r.topic}`)).toEqual([
      'readwrite sensors/#',
      'deny sensors/secret',
      'write cmd/alice with space',
    ]);
    expect(acl.users.get('bob')?.[1]).toEqual({ access: 'readwrite', topic: 'sensors/bob', line: 13 });
    expect(acl.patterns).toHaveLength(3);
  });

  it('errors name the file and line', () => {
    const err = (text: string): string => {
      try {
        parseAclFile(text, '/etc/acl');
      } catch (e) {
        if (e instanceof SecurityFileError) return e.message;
        throw e;
      }
      return 'no error';
    };
    expect(err('user alice\ntopic read')).toBe('/etc/acl:2: missing topic');
    expect(err('\n\nuser')).toBe('/etc/acl:3: `user` without a name');
    expect(err('topic read a/#/b')).toBe(
      "/etc/acl:1: 'a/#/b' is not a valid topic filter ('#' last, '+' alone)",
    );
    expect(err('topic read a+')).toMatch(/not a valid topic filter/);
    expect(err('topics read a')).toBe(
      "/etc/acl:1: unknown keyword 'topics' (expected topic, user or pattern)",
    );
  });
});

describe('publish and read', () => {
  it('anonymous clients get the lines before any user', () => {
    expect(auth.canRead('c', undefined, 'public/news')).toBe(true);
    expect(auth.canPublish('c', undefined, 'public/news')).toBe(false);
    expect(auth.canPublish('c', undefined, 'public/anon')).toBe(true);
    expect(auth.canRead('c', undefined, 'sensors/a')).toBe(false);
  });

  it('a user gets its block, not the anonymous lines', () => {
    expect(auth.canPublish('c', 'alice', 'sensors/a/temp')).toBe(true);
    expect(auth.canRead('c', 'alice', 'sensors')).toBe(true); // # includes the parent
    expect(auth.canRead('c', 'alice', 'public/news')).toBe(false);
    expect(auth.canPublish('c', 'alice', 'cmd/alice with space')).toBe(true);
    expect(auth.canRead('c', 'alice', 'cmd/alice with space')).toBe(false);
  });

  it('deny wins over a grant', () => {
    expect(auth.canRead('c', 'alice', 'sensors/secret')).toBe(false);
    expect(auth.canPublish('c', 'alice', 'sensors/secret')).toBe(false);
    expect(auth.canRead('c', 'alice', 'sensors/secret/x')).toBe(true);
  });

  it('an unknown user gets only the patterns', () => {
    expect(auth.canRead('c', 'mallory', 'public/news')).toBe(false);
    expect(auth.canPublish('c', 'mallory', 'users/mallory/x')).toBe(true);
  });

  it('patterns substitute %c and %u', () => {
    expect(auth.canPublish('dev1', undefined, 'devices/dev1/out')).toBe(true);
    expect(auth.canPublish('dev1', undefined, 'devices/dev2/out')).toBe(false);
    expect(auth.canRead('dev1', undefined, 'devices/dev1/in/a/b')).toBe(true);
    expect(auth.canPublish('dev1', undefined, 'devices/dev1/in/a')).toBe(false);
    expect(auth.canRead('x', 'bob', 'users/bob/inbox')).toBe(true);
    expect(auth.canRead('x', 'bob', 'users/alice/inbox')).toBe(false);
  });

  it('%u patterns do not apply without a username; wildcards or / in ids are not substituted', () => {
    expect(auth.canRead('x', undefined, 'users/%u/inbox')).toBe(false);
    expect(auth.canRead('#', undefined, 'devices/a/in/x')).toBe(false);
    expect(auth.canPublish('+', undefined, 'devices/a/out')).toBe(false);
    expect(auth.canPublish('alice/x', undefined, 'devices/alice/x/out')).toBe(false);
    expect(auth.canRead('x', '#', 'users/anything')).toBe(false);
  });

  it('the per-client rule cache stays bounded when many client ids come and go', () => {
    const many = createAclAuthorizer(parseAclFile('pattern write devices/%c/out', 'a'));
    for (let i = 0; i < 12_000; i++) many.canPublish(`dev${i}`, undefined, `devices/dev${i}/out`);
    expect(many.cachedRuleSets).toBeGreaterThan(0);
    expect(many.cachedRuleSets).toBeLessThanOrEqual(10_000);
    expect(many.canPublish('dev1', undefined, 'devices/dev1/out')).toBe(true);
  });

  it('substitutes in one pass: a client id "%u" is not replaced by the username', () => {
    const owners = createAclAuthorizer(parseAclFile('pattern readwrite owners/%u/%c', 'a'));
    expect(owners.canPublish('%u', 'bob', 'owners/bob/%u')).toBe(true);
    expect(owners.canPublish('%u', 'bob', 'owners/bob/bob')).toBe(false);
  });

  it('$ topics are not reached by a leading wildcard grant', () => {
    const all = createAclAuthorizer(parseAclFile('topic readwrite #\ntopic read $SYS/broker/#', 'a'));
    expect(all.canRead('c', undefined, 'a/b')).toBe(true);
    expect(all.canRead('c', undefined, '$SYS/broker/uptime')).toBe(true);
    expect(all.canRead('c', undefined, '$SYS/other')).toBe(false);
    expect(all.canPublish('c', undefined, '$internal')).toBe(false);
  });
});

describe('subscribe', () => {
  it('a filter is allowed when a read grant covers it', () => {
    expect(auth.canSubscribe('c', 'alice', 'sensors/#')).toBe(true);
    expect(auth.canSubscribe('c', 'alice', 'sensors/+/temp')).toBe(true);
    expect(auth.canSubscribe('c', 'alice', '#')).toBe(false);
    expect(auth.canSubscribe('c', 'alice', '+/temp')).toBe(false);
    expect(auth.canSubscribe('c', 'bob', 'sensors/+/temp')).toBe(true);
    expect(auth.canSubscribe('c', 'bob', 'sensors/#')).toBe(false);
    expect(auth.canSubscribe('c', 'bob', 'sensors/kitchen/temp')).toBe(true);
    expect(auth.canSubscribe('c', 'alice', 'cmd/alice with space')).toBe(false); // write only
  });

  it('a deny covering the filter refuses it; a deny inside it is left to delivery', () => {
    expect(auth.canSubscribe('c', 'alice', 'sensors/secret')).toBe(false);
    expect(auth.canSubscribe('c', 'alice', 'sensors/+')).toBe(true);
    expect(auth.canRead('c', 'alice', 'sensors/secret')).toBe(false);
  });

  it('shared subscriptions are checked on the filter after $share/group/', () => {
    expect(auth.canSubscribe('c', 'alice', '$share/g/sensors/#')).toBe(true);
    expect(auth.canSubscribe('c', 'alice', '$share/g/#')).toBe(false);
    expect(withoutSharePrefix('$share/g/a/b')).toBe('a/b');
    expect(withoutSharePrefix('a/b')).toBe('a/b');
  });
});

describe('filter algebra', () => {
  const level = fc.constantFrom('a', 'b', '+', '$x');
  const filterArb = fc
    .tuple(fc.array(level, { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([ls, hash]) => (hash ? [...ls, '#'] : ls))
    .filter((ls) => !ls.slice(1).includes('$x'));
  const topicArb = fc
    .array(fc.constantFrom('a', 'b', 'c', '$x'), { minLength: 1, maxLength: 6 })
    .filter((ls) => !ls.slice(1).includes('$x'));

  it('outer covers inner ⇒ every topic inner matches, outer matches', () => {
    fc.assert(
      fc.property(filterArb, filterArb, topicArb, (outer, inner, topic) => {
        if (filterCoversFilter(outer, inner) && filterMatchesTopic(inner, topic)) {
          expect(filterMatchesTopic(outer, topic)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a filter covers itself, and a topic name is covered exactly when it matches', () => {
    fc.assert(
      fc.property(filterArb, topicArb, (f, t) => {
        expect(filterCoversFilter(f, f)).toBe(true);
        expect(filterCoversFilter(f, t)).toBe(filterMatchesTopic(f, t));
      }),
    );
  });

  it('examples', () => {
    expect(filterCoversFilter(levels('sensors/#'), levels('sensors'))).toBe(true);
    expect(filterCoversFilter(levels('sensors/+'), levels('sensors/#'))).toBe(false);
    expect(filterCoversFilter(levels('+/+'), levels('a/+'))).toBe(true);
    expect(filterCoversFilter(levels('#'), levels('$SYS/#'))).toBe(false);
  });
});
