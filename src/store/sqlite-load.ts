/**
 * Start-up reads of the SQLite store: purge what expired while the gateway was down, then read
 * everything the core needs to rebuild itself (Store.load()).
 */
import type { Database } from 'better-sqlite3';
import { decodeJson } from './json-codec.js';
import {
  decodeOutgoing,
  decodeRetained,
  decodeSession,
  decodeStoredMessage,
  decodeSubscription,
  type GatewayStateRow,
  type IncomingRow,
  type InlineMessageRow,
  type MessageRow,
  type OutgoingRow,
  type RetainedRow,
  type SessionRow,
  type SubscriptionRow,
} from './sqlite-rows.js';
import type { LoadedState } from './types.js';

/**
 * Expired retained messages go; so do queued (never sent) entries whose message expired — MQTT 5
 * §3.3.2.3.3: an expired message not yet sent to a subscriber is deleted for it, one already in
 * flight is completed. Then messages that no entry references (orphans). Sessions past their
 * expiry are left to the core: it publishes their will before deleting them.
 */
export function purgeExpired(db: Database, now: number): void {
  db.prepare('DELETE FROM retained WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now);
  // A message inline in its queue row counts only where `messages` has no row of that id.
  db.prepare(
    `DELETE FROM outgoing WHERE state = 'queued' AND (
       message_id IN (SELECT id FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ?)
       OR (m_payload IS NOT NULL AND m_expires_at IS NOT NULL AND m_expires_at <= ?
           AND message_id NOT IN (SELECT id FROM messages)))`,
  ).run(now, now);
  db.prepare('DELETE FROM messages WHERE id NOT IN (SELECT message_id FROM outgoing)').run();
}

export function readCounters(db: Database): { lastMessageId: number; lastSeq: number } {
  const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: number }[];
  const value = (key: string): number => rows.find((row) => row.key === key)?.value ?? 0;
  return { lastMessageId: value('last_message_id'), lastSeq: value('last_seq') };
}

/** What load() returns, and which messages are inline: messageId → seq of the row holding it. */
export interface LoadedRows {
  state: LoadedState;
  inline: Map<number, number>;
}

export function loadAll(db: Database, counters: { lastMessageId: number; lastSeq: number }): LoadedRows {
  const all = <Row>(sql: string): Row[] => db.prepare(sql).all() as Row[];
  const inlineRows = all<InlineMessageRow>(
    `SELECT seq, message_id AS id, m_topic AS topic, m_payload AS payload, m_qos AS qos,
       m_retain AS retain, m_expires_at AS expires_at, m_properties AS properties
     FROM outgoing WHERE m_payload IS NOT NULL AND message_id NOT IN (SELECT id FROM messages)`,
  );
  const messages = [
    ...all<MessageRow>('SELECT * FROM messages').map(decodeStoredMessage),
    ...inlineRows.map(decodeStoredMessage),
  ].sort((a, b) => a.id - b.id);
  const state: LoadedState = {
    sessions: all<SessionRow>('SELECT client_id, data FROM sessions ORDER BY client_id').map(decodeSession),
    subscriptions: all<SubscriptionRow>('SELECT * FROM subscriptions ORDER BY client_id, filter').map(
      decodeSubscription,
    ),
    retained: all<RetainedRow>(
      'SELECT topic, payload, qos, retain, expires_at, properties FROM retained ORDER BY topic',
    ).map(decodeRetained),
    messages,
    outgoing: all<OutgoingRow>(
      `SELECT seq, client_id, message_id, qos, retain, state, packet_id, subscription_ids
       FROM outgoing ORDER BY seq`,
    ).map(decodeOutgoing),
    incomingQos2: all<IncomingRow>(
      'SELECT client_id, packet_id FROM incoming_qos2 ORDER BY client_id, packet_id',
    ).map((row) => ({ clientId: row.client_id, packetId: row.packet_id })),
    gatewayState: all<GatewayStateRow>('SELECT client_id, state FROM gateway_state ORDER BY client_id').map(
      (row) => ({ clientId: row.client_id, state: decodeJson(row.state) }),
    ),
    // Never below what the rows hold, in case a counter update was lost.
    lastMessageId: Math.max(
      counters.lastMessageId,
      maxOf(db, 'SELECT max(id) FROM messages'),
      maxInlineId(inlineRows),
    ),
    lastSeq: Math.max(counters.lastSeq, maxOf(db, 'SELECT max(seq) FROM outgoing')),
  };
  const inline = new Map(inlineRows.map((row) => [row.id, row.seq] as const));
  return { state, inline };
}

function maxInlineId(rows: InlineMessageRow[]): number {
  let max = 0;
  for (const row of rows) if (row.id > max) max = row.id;
  return max;
}

function maxOf(db: Database, sql: string): number {
  const value = db.prepare(sql).pluck().get();
  return typeof value === 'number' ? value : 0;
}
