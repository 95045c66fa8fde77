/**
 * mosquitto's password file (`password_file`), as written by Debian's `mosquitto_passwd`:
 *
 *   user:$7$<iterations>$<salt base64>$<hash base64>   PBKDF2-HMAC-SHA512, 64-byte hash (mosquitto 2.x)
 *   user:$6$<salt base64>$<hash base64>                SHA-512(password ‖ salt) (mosquitto ≤ 1.6)
 *
 * Only hashes are kept in memory; a clear password is hashed, compared with
 * crypto.timingSafeEqual and dropped. Nothing here logs a password or a hash.
 */
import { createHash, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { meaningfulLines, SecurityFileError } from './errors.js';

export type PasswordHash =
  | { kind: 'pbkdf2-sha512'; iterations: number; salt: Buffer; hash: Buffer }
  | { kind: 'sha512'; salt: Buffer; hash: Buffer };

/** Iterations above this would let one CONNECT block a worker for seconds; refused at load. */
const MAX_ITERATIONS = 10_000_000;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeBase64(field: string, what: string, file: string, line: number): Buffer {
  if (!BASE64.test(field)) throw new SecurityFileError(file, line, `${what} is not base64`);
  return Buffer.from(field, 'base64');
}

/** Parses the part after `user:`. */
export function parsePasswordHash(value: string, file: string, line: number): PasswordHash {
  const parts = value.split('$');
  if (parts[0] !== '' || parts.length < 4) {
    throw new SecurityFileError(
      file,
      line,
      'password is not a mosquitto hash ($6$… or $7$…); a clear-text file must be converted with `mosquitto_passwd -U`',
    );
  }
  if (parts[1] === '7' && parts.length === 5) {
    const iterations = Number(parts[2]);
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new SecurityFileError(file, line, `bad PBKDF2 iteration count '${parts[2]}'`);
    }
    const salt = decodeBase64(parts[3]!, 'salt', file, line);
    const hash = decodeBase64(parts[4]!, 'hash', file, line);
    if (hash.length !== 64) throw new SecurityFileError(file, line, 'PBKDF2-SHA512 hash is not 64 bytes');
    return { kind: 'pbkdf2-sha512', iterations, salt, hash };
  }
  if (parts[1] === '6' && parts.length === 4) {
    const salt = decodeBase64(parts[2]!, 'salt', file, line);
    const hash = decodeBase64(parts[3]!, 'hash', file, line);
    if (hash.length !== 64) throw new SecurityFileError(file, line, 'SHA-512 hash is not 64 bytes');
    return { kind: 'sha512', salt, hash };
  }
  throw new SecurityFileError(file, line, `unknown password hash type '$${parts[1]}$'`);
}

function sha512(password: Buffer, salt: Buffer): Buffer {
  return createHash('sha512').update(password).update(salt).digest();
}

function sameBytes(computed: Buffer, stored: Buffer): boolean {
  return computed.length === stored.length && timingSafeEqual(computed, stored);
}

export function verifyPasswordSync(stored: PasswordHash, password: Buffer): boolean {
  const computed =
    stored.kind === 'sha512'
      ? sha512(password, stored.salt)
      : pbkdf2Sync(password, stored.salt, stored.iterations, stored.hash.length, 'sha512');
  return sameBytes(computed, stored.hash);
}

/** As verifyPasswordSync, PBKDF2 on libuv's thread pool so a high iteration count does not block. */
export function verifyPassword(stored: PasswordHash, password: Buffer): Promise<boolean> {
  if (stored.kind === 'sha512') return Promise.resolve(sameBytes(sha512(password, stored.salt), stored.hash));
  return new Promise((resolve) => {
    pbkdf2(password, stored.salt, stored.iterations, stored.hash.length, 'sha512', (error, computed) => {
      resolve(error === null && sameBytes(computed, stored.hash));
    });
  });
}

/**
 * The users of a password file. `check` answers the same way (and spends about the same time)
 * for an unknown user as for a wrong password, so user names cannot be probed.
 */
export class PasswordFile {
  /**
   * Compared against when the user is unknown, so the answer takes as long as a real check: as
   * many PBKDF2 iterations as the file's slowest hash (mosquitto_passwd's 101 when it has none),
   * or an unknown name would answer measurably faster than a known one.
   */
  private readonly decoy: PasswordHash;

  constructor(
    readonly file: string,
    private readonly users: ReadonlyMap<string, PasswordHash>,
  ) {
    this.decoy = {
      kind: 'pbkdf2-sha512',
      iterations: decoyIterations(users.values()),
      salt: randomBytes(12),
      hash: randomBytes(64),
    };
  }

  /** PBKDF2 iterations spent on an unknown user. */
  get decoyIterations(): number {
    return this.decoy.kind === 'pbkdf2-sha512' ? this.decoy.iterations : 0;
  }

  get size(): number {
    return this.users.size;
  }

  has(username: string): boolean {
    return this.users.has(username);
  }

  checkSync(username: string, password: Buffer | undefined): boolean {
    const stored = this.users.get(username);
    const ok = verifyPasswordSync(stored ?? this.decoy, password ?? Buffer.alloc(0));
    return stored !== undefined && password !== undefined && ok;
  }

  async check(username: string, password: Buffer | undefined): Promise<boolean> {
    const stored = this.users.get(username);
    const ok = await verifyPassword(stored ?? this.decoy, password ?? Buffer.alloc(0));
    return stored !== undefined && password !== undefined && ok;
  }
}

/** mosquitto_passwd's iteration count (mosquitto 2.0). */
const MOSQUITTO_DEFAULT_ITERATIONS = 101;

function decoyIterations(hashes: Iterable<PasswordHash>): number {
  let most = 0;
  for (const hash of hashes) if (hash.kind === 'pbkdf2-sha512') most = Math.max(most, hash.iterations);
  return most === 0 ? MOSQUITTO_DEFAULT_ITERATIONS : most;
}

export function parsePasswordFile(text: string, file: string): PasswordFile {
  const users = new Map<string, PasswordHash>();
  for (const { line, text: entry } of meaningfulLines(text)) {
    // mosquitto splits at the first ':' — user names cannot contain one, hashes never do.
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new SecurityFileError(file, line, 'expected `username:hash`');
    const username = entry.slice(0, colon);
    if (users.has(username)) throw new SecurityFileError(file, line, `user '${username}' listed twice`);
    users.set(username, parsePasswordHash(entry.slice(colon + 1), file, line));
  }
  return new PasswordFile(file, users);
}

export function loadPasswordFile(file: string): PasswordFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SecurityFileError(file, 0, `cannot read password file: ${(error as Error).message}`);
  }
  return parsePasswordFile(text, file);
}
