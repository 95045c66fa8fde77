/**
 * The SQLite store's schema, as a list of migrations. `PRAGMA user_version` records the last one
 * applied; opening a store runs the missing ones, each in its own transaction. A file whose
 * user_version is above SCHEMA_VERSION was written by a newer mqttsn-gateway and is refused
 * (sqlite-open.ts), never "downgraded".
 *
 * Never edit a migration that has shipped: append a new one.
 */
import type { Database } from 'better-sqlite3';

/** `PRAGMA application_id`: marks the file as ours ("MQSN"), so a foreign database is refused. */
export const APPLICATION_ID = 0x4d51534e;

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'sessions, subscriptions, retained, messages, outgoing, incoming QoS 2, gateway state',
    up(db) {
      db.exec(`
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO meta (key, value) VALUES ('last_message_id', 0), ('last_seq', 0);

        -- The whole StoredSession as JSON (Buffers as base64): read once at start-up, written rarely.
        CREATE TABLE sessions (client_id TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID;

        CREATE TABLE subscriptions (
          client_id TEXT NOT NULL,
          filter TEXT NOT NULL,
          qos INTEGER NOT NULL,
          no_local INTEGER,
          retain_as_published INTEGER,
          retain_handling INTEGER,
          subscription_id INTEGER,
          PRIMARY KEY (client_id, filter)
        ) WITHOUT ROWID;

        CREATE TABLE retained (
          topic TEXT PRIMARY KEY,
          payload BLOB NOT NULL,
          qos INTEGER NOT NULL,
          retain INTEGER NOT NULL,
          expires_at INTEGER,
          properties TEXT
        ) WITHOUT ROWID;

        -- One row per message, however many queues hold it (outgoing.message_id).
        CREATE TABLE messages (
          id INTEGER PRIMARY KEY,
          topic TEXT NOT NULL,
          payload BLOB NOT NULL,
          qos INTEGER NOT NULL,
          retain INTEGER NOT NULL,
          expires_at INTEGER,
          properties TEXT
        );

        -- No secondary index: every queued message is a row here, so each index would be paid on
        -- the hot path. Deletes go by seq (the store keeps each client's seqs in memory); the
        -- orphan purge at load scans once.
        CREATE TABLE outgoing (
          seq INTEGER PRIMARY KEY,
          client_id TEXT NOT NULL,
          message_id INTEGER NOT NULL,
          qos INTEGER NOT NULL,
          retain INTEGER NOT NULL,
          state TEXT NOT NULL,
          packet_id INTEGER,
          subscription_ids TEXT
        );

        CREATE TABLE incoming_qos2 (
          client_id TEXT NOT NULL,
          packet_id INTEGER NOT NULL,
          PRIMARY KEY (client_id, packet_id)
        ) WITHOUT ROWID;

        CREATE TABLE gateway_state (client_id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    description: 'a queue row carries its message inline while it is the only reference to it',
    up(db) {
      // Offline fan-in queues most messages for exactly one session: one row insert per message
      // instead of two (a message row and a queue row). The columns are null on rows whose message
      // is in `messages`. ADD COLUMN rewrites nothing: existing rows read the new columns as null.
      db.exec(`
        ALTER TABLE outgoing ADD COLUMN m_topic TEXT;
        ALTER TABLE outgoing ADD COLUMN m_payload BLOB;
        ALTER TABLE outgoing ADD COLUMN m_qos INTEGER;
        ALTER TABLE outgoing ADD COLUMN m_retain INTEGER;
        ALTER TABLE outgoing ADD COLUMN m_expires_at INTEGER;
        ALTER TABLE outgoing ADD COLUMN m_properties TEXT;
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.reduce(
  (latest, migration) => Math.max(latest, migration.version),
  0,
);
