/**
 * Rows of the SQLite store (schema in sqlite-migrations.ts): the prepared statements, and the
 * conversions between rows and the store's types. Conversions drop absent optional members, so
 * what load() returns has the same shape as what was saved.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Message, PublishProperties, QoS, SubscriptionRequest } from '../broker/types.js';
import { decodeJson, encodeJson } from './json-codec.js';
import type { OutgoingState, StoredMessage, StoredOutgoing, StoredRetained, StoredSession } from './types.js';

/** Positional parameters of the outgoing upsert, captured when the mutation is submitted. */
export type OutgoingParams = [
  seq: number,
  clientId: string,
  messageId: number,
  qos: number,
  retain: number,
  state: string,
  packetId: number | null,
  subscriptionIds: string | null,
];

export type SubscriptionParams = [
  clientId: string,
  filter: string,
  qos: number,
  noLocal: number | null,
  retainAsPublished: number | null,
  retainHandling: number | null,
  subscriptionId: number | null,
];

export interface Statements {
  deleteClientSession: Statement<[string]>;
  deleteClientSubscriptions: Statement<[string]>;
  deleteClientIncoming: Statement<[string]>;
  deleteClientGatewayState: Statement<[string]>;
  upsertSession: Statement<[string, string]>;
  upsertSubscription: Statement<SubscriptionParams>;
  deleteSubscription: Statement<[string, string]>;
  upsertRetained: Statement<[string, Buffer, number, number, number | null, string | null]>;
  deleteRetained: Statement<[string]>;
  /** New messages, many rows per statement. */
  insertMessages: ChunkedInsert;
  deleteMessage: Statement<[number]>;
  /** Copy a message held inline by queue row `seq` into `messages` (it gains a second reference). */
  promoteInlineMessage: Statement<[number]>;
  /** New queue rows whose message is in `messages`, many rows per statement. */
  insertOutgoing: ChunkedInsert;
  /** New queue rows carrying their message inline, many rows per statement. */
  insertOutgoingInline: ChunkedInsert;
  /** A row on disk gets another message (or was deleted and saved again): inline columns cleared. */
  replaceOutgoing: Statement<OutgoingParams>;
  /** A row on disk changes state (queued → sent → released): inline columns kept. */
  updateOutgoing: Statement<OutgoingParams>;
  deleteOutgoing: Statement<[number]>;
  insertIncoming: Statement<[string, number]>;
  deleteIncoming: Statement<[string, number]>;
  upsertGatewayState: Statement<[string, string]>;
  deleteGatewayState: Statement<[string]>;
  setMeta: Statement<[number, string]>;
}

const OUTGOING_COLUMNS = 'seq, client_id, message_id, qos, retain, state, packet_id, subscription_ids';
const INLINE_COLUMNS = 'm_topic, m_payload, m_qos, m_retain, m_expires_at, m_properties';

/**
 * One INSERT of many rows (`VALUES (…), (…), …`): a statement per chunk instead of per row, which
 * halves SQLite's share of the CPU in offline fan-in. Statements are prepared once per chunk size;
 * sizes are CHUNK_ROWS, then 10, then 1, so at most three statements per table.
 */
export class ChunkedInsert {
  private readonly statements = new Map<number, Statement<unknown[]>>();

  constructor(
    private readonly db: Database,
    private readonly head: string,
    private readonly columns: number,
  ) {}

  /** `values` holds `columns` parameters per row, row after row. */
  run(values: unknown[]): void {
    const rows = values.length / this.columns;
    let row = 0;
    for (const size of CHUNK_SIZES) {
      while (rows - row >= size) {
        const statement = this.statement(size);
        statement.run(
          row === 0 && size === rows ? values : values.slice(row * this.columns, (row + size) * this.columns),
        );
        row += size;
      }
    }
  }

  private statement(rows: number): Statement<unknown[]> {
    let statement = this.statements.get(rows);
    if (statement === undefined) {
      const tuple = `(${new Array<string>(this.columns).fill('?').join(', ')})`;
      statement = this.db.prepare(`${this.head} ${new Array<string>(rows).fill(tuple).join(', ')}`);
      this.statements.set(rows, statement);
    }
    return statement;
  }
}

/** 100 rows of 14 columns stay far below SQLite's limit of 32766 parameters per statement. */
const CHUNK_SIZES = [100, 10, 1] as const;

export function prepareStatements(db: Database): Statements {
  return {
    deleteClientSession: db.prepare('DELETE FROM sessions WHERE client_id = ?'),
    deleteClientSubscriptions: db.prepare('DELETE FROM subscriptions WHERE client_id = ?'),
    deleteClientIncoming: db.prepare('DELETE FROM incoming_qos2 WHERE client_id = ?'),
    deleteClientGatewayState: db.prepare('DELETE FROM gateway_state WHERE client_id = ?'),
    upsertSession: db.prepare('INSERT OR REPLACE INTO sessions (client_id, data) VALUES (?, ?)'),
    upsertSubscription: db.prepare(
      `INSERT OR REPLACE INTO subscriptions
         (client_id, filter, qos, no_local, retain_as_published, retain_handling, subscription_id)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteSubscription: db.prepare('DELETE FROM subscriptions WHERE client_id = ? AND filter = ?'),
    upsertRetained: db.prepare(
      `INSERT OR REPLACE INTO retained (topic, payload, qos, retain, expires_at, properties)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    deleteRetained: db.prepare('DELETE FROM retained WHERE topic = ?'),
    // OR REPLACE although these rows are new to the store's bookkeeping: a message saved without
    // any reference (an orphan until the next load) may already be on disk under its id.
    insertMessages: new ChunkedInsert(
      db,
      'INSERT OR REPLACE INTO messages (id, topic, payload, qos, retain, expires_at, properties) VALUES',
      7,
    ),
    deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
    promoteInlineMessage: db.prepare(
      `INSERT OR REPLACE INTO messages (id, topic, payload, qos, retain, expires_at, properties)
       SELECT message_id, m_topic, m_payload, m_qos, m_retain, m_expires_at, m_properties
       FROM outgoing WHERE seq = ? AND m_payload IS NOT NULL`,
    ),
    insertOutgoing: new ChunkedInsert(db, `INSERT OR REPLACE INTO outgoing (${OUTGOING_COLUMNS}) VALUES`, 8),
    insertOutgoingInline: new ChunkedInsert(
      db,
      `INSERT OR REPLACE INTO outgoing (${OUTGOING_COLUMNS}, ${INLINE_COLUMNS}) VALUES`,
      14,
    ),
    replaceOutgoing: db.prepare(
      `INSERT OR REPLACE INTO outgoing (${OUTGOING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateOutgoing: db.prepare(
      `INSERT INTO outgoing (${OUTGOING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (seq) DO UPDATE SET client_id = excluded.client_id, message_id = excluded.message_id,
         qos = excluded.qos, retain = excluded.retain, state = excluded.state,
         packet_id = excluded.packet_id, subscription_ids = excluded.subscription_ids`,
    ),
    deleteOutgoing: db.prepare('DELETE FROM outgoing WHERE seq = ?'),
    insertIncoming: db.prepare('INSERT OR IGNORE INTO incoming_qos2 (client_id, packet_id) VALUES (?, ?)'),
    deleteIncoming: db.prepare('DELETE FROM incoming_qos2 WHERE client_id = ? AND packet_id = ?'),
    upsertGatewayState: db.prepare('INSERT OR REPLACE INTO gateway_state (client_id, state) VALUES (?, ?)'),
    deleteGatewayState: db.prepare('DELETE FROM gateway_state WHERE client_id = ?'),
    setMeta: db.prepare('UPDATE meta SET value = ? WHERE key = ?'),
  };
}

// ---- encoding (at submission time: the caller may change its objects afterwards) ----

export function outgoingParams(entry: StoredOutgoing): OutgoingParams {
  return [
    entry.seq,
    entry.clientId,
    entry.messageId,
    entry.qos,
    entry.retain ? 1 : 0,
    entry.state,
    entry.packetId ?? null,
    entry.subscriptionIds === undefined ? null : JSON.stringify(entry.subscriptionIds),
  ];
}

export function subscriptionParams(clientId: string, subscription: SubscriptionRequest): SubscriptionParams {
  return [
    clientId,
    subscription.filter,
    subscription.qos,
    optionalFlag(subscription.noLocal),
    optionalFlag(subscription.retainAsPublished),
    subscription.retainHandling ?? null,
    subscription.subscriptionId ?? null,
  ];
}

export function encodeProperties(properties: PublishProperties | undefined): string | null {
  return properties === undefined ? null : encodeJson(properties);
}

function optionalFlag(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0;
}

// ---- decoding (load) ----

export interface SessionRow {
  client_id: string;
  data: string;
}
export interface SubscriptionRow {
  client_id: string;
  filter: string;
  qos: number;
  no_local: number | null;
  retain_as_published: number | null;
  retain_handling: number | null;
  subscription_id: number | null;
}
export interface MessageRow {
  id: number;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: number;
  expires_at: number | null;
  properties: string | null;
}
export type RetainedRow = Omit<MessageRow, 'id'>;
/** A message held inline by its only queue row (`seq`). */
export interface InlineMessageRow extends MessageRow {
  seq: number;
}
export interface OutgoingRow {
  seq: number;
  client_id: string;
  message_id: number;
  qos: number;
  retain: number;
  state: string;
  packet_id: number | null;
  subscription_ids: string | null;
}
export interface IncomingRow {
  client_id: string;
  packet_id: number;
}
export interface GatewayStateRow {
  client_id: string;
  state: string;
}

export function decodeSession(row: SessionRow): StoredSession {
  return decodeJson(row.data) as StoredSession;
}

export function decodeSubscription(row: SubscriptionRow): {
  clientId: string;
  subscription: SubscriptionRequest;
} {
  const subscription: SubscriptionRequest = { filter: row.filter, qos: row.qos as QoS };
  if (row.no_local !== null) subscription.noLocal = row.no_local === 1;
  if (row.retain_as_published !== null) subscription.retainAsPublished = row.retain_as_published === 1;
  if (row.retain_handling !== null) subscription.retainHandling = row.retain_handling as 0 | 1 | 2;
  if (row.subscription_id !== null) subscription.subscriptionId = row.subscription_id;
  return { clientId: row.client_id, subscription };
}

export function decodeMessage(row: RetainedRow): Message {
  const message: Message = {
    topic: row.topic,
    payload: row.payload,
    qos: row.qos as QoS,
    retain: row.retain === 1,
  };
  if (row.properties !== null) message.properties = decodeJson(row.properties) as PublishProperties;
  if (row.expires_at !== null) message.expiresAt = row.expires_at;
  return message;
}

export function decodeStoredMessage(row: MessageRow): StoredMessage {
  return { id: row.id, ...decodeMessage(row) };
}

export function decodeRetained(row: RetainedRow): StoredRetained {
  return decodeMessage(row);
}

export function decodeOutgoing(row: OutgoingRow): StoredOutgoing {
  const entry: StoredOutgoing = {
    clientId: row.client_id,
    seq: row.seq,
    messageId: row.message_id,
    qos: row.qos as QoS,
    retain: row.retain === 1,
    state: row.state as OutgoingState,
  };
  if (row.packet_id !== null) entry.packetId = row.packet_id;
  if (row.subscription_ids !== null) entry.subscriptionIds = JSON.parse(row.subscription_ids) as number[];
  return entry;
}
