/**
 * Opening the SQLite store file: directory, exclusive lock, pragmas, integrity, schema migrations.
 * Every way this can fail becomes a StoreOpenError that names the file and says what to do; the
 * file is never deleted or overwritten to "recover" (issue 3: never silent data loss).
 *
 * The lock: `locking_mode=EXCLUSIVE` in WAL mode. The connection takes an exclusive POSIX lock on
 * the database file and keeps it until it closes; the kernel drops it when the process dies, so a
 * gateway killed with `kill -9` leaves nothing to clean up by hand, and a second gateway on the same
 * directory gets SQLITE_BUSY at once. (Exclusive mode also keeps the WAL index in heap memory: no
 * `-shm` file.) A `mqttsn-gateway.db.pid` file beside it records the holder's pid, for the message
 * only — it is never trusted for the lock itself.
 */
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './sqlite-migrations.js';
import { StoreOpenError, type SyncLevel } from './types.js';

export const DATABASE_FILE = 'mqttsn-gateway.db';
export const PID_FILE = 'mqttsn-gateway.db.pid';

export interface OpenedDatabase {
  db: Database.Database;
  file: string;
  pidFile: string;
}

export function openDatabase(directory: string, sync: SyncLevel): OpenedDatabase {
  const file = join(directory, DATABASE_FILE);
  const pidFile = join(directory, PID_FILE);
  ensureWritableDirectory(directory);
  let db: Database.Database;
  try {
    // timeout 0: a lock held by another gateway must fail at once, not after a busy wait.
    db = new Database(file, { timeout: 0 });
  } catch (error) {
    throw describeOpenFailure(file, pidFile, error);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first access reads the header: "file is not a database" and "locked" surface here.
    db.pragma('journal_mode = WAL');
    // Take the write lock now rather than at the first mutation, and keep it (exclusive mode).
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    checkIntegrity(db, file);
    checkOwnership(db, file);
    migrate(db, file);
  } catch (error) {
    db.close();
    throw describeOpenFailure(file, pidFile, error);
  }
  writePidFile(pidFile);
  return { db, file, pidFile };
}

export function removePidFile(pidFile: string): void {
  rmSync(pidFile, { force: true });
}

function ensureWritableDirectory(directory: string): void {
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw new StoreOpenError(
      directory,
      `cannot create the data directory (${errorCode(error)}); check the path and its parent's permissions, or set another data directory in gateway.conf`,
    );
  }
  try {
    accessSync(directory, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new StoreOpenError(
      directory,
      `the data directory is not writable by this user (${errorCode(error)}); fix its permissions, or set another data directory in gateway.conf`,
    );
  }
}

function checkIntegrity(db: Database.Database, file: string): void {
  // quick_check reads every page but skips the costly index cross-checks: a fraction of a second
  // for the store sizes a gateway keeps, once per start.
  const result = db.pragma('quick_check(1)', { simple: true });
  if (result !== 'ok') throw corruptError(file, String(result));
}

function checkOwnership(db: Database.Database, file: string): void {
  const applicationId = Number(db.pragma('application_id', { simple: true }));
  const version = Number(db.pragma('user_version', { simple: true }));
  const tableCount = Number(
    db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get(),
  );
  const foreign =
    (applicationId !== 0 && applicationId !== APPLICATION_ID) ||
    (applicationId === 0 && (version !== 0 || tableCount !== 0));
  if (foreign) {
    throw new StoreOpenError(
      file,
      'is a SQLite database but not an mqttsn-gateway store; move it aside or set another data directory in gateway.conf (the file was not modified)',
    );
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreOpenError(
      file,
      `written by a newer mqttsn-gateway (schema ${version} > ${SCHEMA_VERSION}); upgrade mqttsn-gateway, or move the file aside to start with an empty store (the file was not modified)`,
    );
  }
}

function migrate(db: Database.Database, file: string): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    try {
      db.transaction(() => {
        migration.up(db);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${migration.version}`);
      })();
    } catch (error) {
      throw new StoreOpenError(
        file,
        `schema migration to version ${migration.version} (${migration.description}) failed: ${errorMessage(error)}; the file was left at version ${current}`,
      );
    }
  }
}

function writePidFile(pidFile: string): void {
  try {
    writeFileSync(pidFile, `${process.pid}\n`);
  } catch {
    // Informational only (named in the "locked" message); the lock itself is SQLite's.
  }
}

function readPidFile(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function corruptError(file: string, report: string): StoreOpenError {
  // quick_check's report spans lines ("*** in database main ***\nTree 2 page 3 …"); the start-up
  // error is one line.
  const detail = report.replace(/\s+/g, ' ').trim();
  return new StoreOpenError(
    file,
    `database disk image is malformed (${detail}); stop the gateway, move the file aside (e.g. mv ${file} ${file}.corrupt, with its -wal file) to start with an empty store, and try \`sqlite3 <file> .recover\` on the copy to rescue its content. The file was not modified.`,
  );
}

export function describeOpenFailure(file: string, pidFile: string, error: unknown): StoreOpenError {
  if (error instanceof StoreOpenError) return error;
  const code = errorCode(error);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    const pid = readPidFile(pidFile);
    const holder = pid === undefined ? 'another process' : `another process (pid ${pid}, per ${PID_FILE})`;
    return new StoreOpenError(
      file,
      `is locked by ${holder}: another mqttsn-gateway is probably running with this data directory. Stop it, or give this gateway another data directory in gateway.conf`,
    );
  }
  if (code === 'SQLITE_NOTADB') {
    return new StoreOpenError(
      file,
      `file is not a database (not SQLite, or encrypted); move it aside (e.g. mv ${file} ${file}.bad) to start with an empty store, or set another data directory in gateway.conf. The file was not modified.`,
    );
  }
  if (code === 'SQLITE_CORRUPT') return corruptError(file, errorMessage(error));
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new StoreOpenError(
      file,
      `cannot be opened for writing (${code}); check that this user may read and write the file and its directory`,
    );
  }
  if (code === 'SQLITE_FULL') {
    return new StoreOpenError(file, 'the disk is full; free some space and start again');
  }
  return new StoreOpenError(file, `cannot be opened (${code}: ${errorMessage(error)})`);
}

function errorCode(error: unknown): string {
  if (error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return 'unknown error';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
