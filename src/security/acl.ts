/**
 * mosquitto's `acl_file` format, and the broker's Authorizer built from it.
 *
 *   # comment
 *   topic [read|write|readwrite|deny] <topic>   before any `user` line: anonymous clients
 *   user <username>                             starts that user's block of `topic` lines
 *   pattern [read|write|readwrite|deny] <topic> everyone; %c = client id, %u = username
 *
 * Without an access word the access is readwrite; the topic is the rest of the line (it may hold
 * spaces), as mosquitto reads it. Once an ACL file is set everything not granted is denied, and a
 * `deny` entry wins over any grant (mosquitto checks denials first).
 *
 * Where we differ from mosquitto 2.0.11 (docs/security.md): mosquitto grants every SUBSCRIBE and
 * filters at delivery; we also refuse a subscription whose filter is not covered by a read grant
 * (ACL `sensors/#` covers `sensors/+/temp`, not `#`), so the client learns at once (SUBACK 0x80 /
 * v5 0x87). Delivery is still checked per message (canRead), so a grant with a deny inside it
 * (`sensors/#` minus `sensors/secret`) filters those messages, retained ones included.
 * A pattern is skipped when the value put in — client id or username — holds `+`, `#` or `/`
 * (CVE-2017-7650 for the wildcards; `/` would let client id `alice/x` into alice's subtree), and a
 * `%u` pattern is skipped for a client without a username.
 */
import { readFileSync } from 'node:fs';
import type { Authorizer } from '../broker/types.js';
import { meaningfulLines, SecurityFileError } from './errors.js';
import { filterCoversFilter, filterMatchesTopic, levels, withoutSharePrefix } from './topic-filter.js';

export type AclAccess = 'read' | 'write' | 'readwrite' | 'deny';

export interface AclRule {
  access: AclAccess;
  topic: string;
  /** File line, for explanations in logs and tests. */
  line: number;
}

export interface AclFile {
  file: string;
  /** `topic` lines before the first `user`: clients without a username. */
  anonymous: AclRule[];
  users: Map<string, AclRule[]>;
  patterns: AclRule[];
}

const ACCESS_WORDS: ReadonlySet<string> = new Set(['read', 'write', 'readwrite', 'deny']);

function isValidFilter(topic: string): boolean {
  const parts = levels(topic);
  return parts.every(
    (level, i) =>
      (level === '#' ? i === parts.length - 1 : level === '+' || !/[+#]/.test(level)) &&
      !level.includes('\0'),
  );
}

/** `[access] <topic>` after the keyword. */
function parseRule(rest: string, file: string, line: number): AclRule {
  const space = rest.search(/\s/);
  const first = space < 0 ? rest : rest.slice(0, space);
  let access: AclAccess = 'readwrite';
  let topic = rest;
  if (ACCESS_WORDS.has(first)) {
    access = first as AclAccess;
    topic = space < 0 ? '' : rest.slice(space).trim();
  }
  if (topic.length === 0) throw new SecurityFileError(file, line, 'missing topic');
  if (!isValidFilter(topic)) {
    throw new SecurityFileError(file, line, `'${topic}' is not a valid topic filter ('#' last, '+' alone)`);
  }
  return { access, topic, line };
}

function splitKeyword(text: string): { keyword: string; rest: string } {
  const space = text.search(/\s/);
  return space < 0
    ? { keyword: text, rest: '' }
    : { keyword: text.slice(0, space), rest: text.slice(space).trim() };
}

export function parseAclFile(text: string, file: string): AclFile {
  const acl: AclFile = { file, anonymous: [], users: new Map(), patterns: [] };
  let current = acl.anonymous;
  for (const { line, text: entry } of meaningfulLines(text)) {
    const { keyword, rest } = splitKeyword(entry);
    if (keyword === 'user') {
      if (rest.length === 0) throw new SecurityFileError(file, line, '`user` without a name');
      current = acl.users.get(rest) ?? [];
      acl.users.set(rest, current);
    } else if (keyword === 'topic') {
      current.push(parseRule(rest, file, line));
    } else if (keyword === 'pattern') {
      acl.patterns.push(parseRule(rest, file, line));
    } else {
      throw new SecurityFileError(
        file,
        line,
        `unknown keyword '${keyword}' (expected topic, user or pattern)`,
      );
    }
  }
  return acl;
}

export function loadAclFile(file: string): AclFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SecurityFileError(file, 0, `cannot read ACL file: ${(error as Error).message}`);
  }
  return parseAclFile(text, file);
}

interface CompiledRule {
  read: boolean;
  write: boolean;
  deny: boolean;
  levels: string[];
}

function compile(access: AclAccess, topic: string): CompiledRule {
  return {
    read: access === 'read' || access === 'readwrite',
    write: access === 'write' || access === 'readwrite',
    deny: access === 'deny',
    levels: levels(topic),
  };
}

/** A value that must not be put into a pattern (see the file comment). */
const UNSAFE_IN_PATTERN = /[+#/]/;

function substitute(rule: AclRule, clientId: string, username: string | undefined): string | undefined {
  const usesClient = rule.topic.includes('%c');
  const usesUser = rule.topic.includes('%u');
  if (usesUser && (username === undefined || UNSAFE_IN_PATTERN.test(username))) return undefined;
  if (usesClient && UNSAFE_IN_PATTERN.test(clientId)) return undefined;
  // One pass over the rule, as mosquitto does: a client id "%u" must stay "%u", not become the username.
  return rule.topic.replace(/%[cu]/g, (token) => (token === '%c' ? clientId : (username ?? token)));
}

/** Rule sets kept per (client id, username); cleared when this many are held. */
const CACHE_LIMIT = 10_000;

export class AclAuthorizer implements Authorizer {
  private readonly fixed = new Map<string | undefined, CompiledRule[]>();
  private readonly cache = new Map<string, CompiledRule[]>();

  constructor(readonly acl: AclFile) {
    this.fixed.set(
      undefined,
      acl.anonymous.map((r) => compile(r.access, r.topic)),
    );
    for (const [user, rules] of acl.users) {
      this.fixed.set(
        user,
        rules.map((r) => compile(r.access, r.topic)),
      );
    }
  }

  /** Rule sets held for (username, client id) pairs; bounded by CACHE_LIMIT however many clients come. */
  get cachedRuleSets(): number {
    return this.cache.size;
  }

  /** Every rule that applies to this client: its user block (or the anonymous one) and the patterns. */
  private rulesFor(clientId: string, username: string | undefined): CompiledRule[] {
    const key = `${username === undefined ? 'a' : `u${username}`}\u0000${clientId}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const rules = [...(this.fixed.get(username) ?? [])];
    for (const pattern of this.acl.patterns) {
      const topic = substitute(pattern, clientId, username);
      if (topic !== undefined) rules.push(compile(pattern.access, topic));
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, rules);
    return rules;
  }

  private topicAllowed(
    clientId: string,
    username: string | undefined,
    topic: string,
    want: 'read' | 'write',
  ) {
    const name = levels(topic);
    const rules = this.rulesFor(clientId, username);
    if (rules.some((r) => r.deny && filterMatchesTopic(r.levels, name))) return false;
    return rules.some((r) => r[want] && filterMatchesTopic(r.levels, name));
  }

  canPublish(clientId: string, username: string | undefined, topic: string): boolean {
    return this.topicAllowed(clientId, username, topic, 'write');
  }

  canRead(clientId: string, username: string | undefined, topic: string): boolean {
    return this.topicAllowed(clientId, username, topic, 'read');
  }

  canSubscribe(clientId: string, username: string | undefined, filter: string): boolean {
    const wanted = levels(withoutSharePrefix(filter));
    const rules = this.rulesFor(clientId, username);
    if (rules.some((r) => r.deny && filterCoversFilter(r.levels, wanted))) return false;
    return rules.some((r) => r.read && filterCoversFilter(r.levels, wanted));
  }
}

export function createAclAuthorizer(acl: AclFile): AclAuthorizer {
  return new AclAuthorizer(acl);
}
