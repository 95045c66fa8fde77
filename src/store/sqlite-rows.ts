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
  insertMessage: Statement<[number, string, Buffer, number, number, number | null, string | null]>;
  deleteMessage: Statement<[number]>;
  upsertOutgoing: Statement<OutgoingParams>;
  deleteOutgoing: Statement<[number]>;
  insertIncoming: Statement<[string, number]>;
  deleteIncoming: Statement<[string, number]>;
  upsertGatewayState: Statement<[string, string]>;
  deleteGatewayState: Statement<[string]>;
  setMeta: Statement<[number, string]>;
}

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
    insertMessage: db.prepare(
      `INSERT OR REPLACE INTO messages (id, topic, payload, qos, retain, expires_at, properties)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
    upsertOutgoing: db.prepare(
      `INSERT OR REPLACE INTO outgoing
         (seq, client_id, message_id, qos, retain, state, packet_id, subscription_ids)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
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
