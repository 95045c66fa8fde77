/**
 * Per-client gateway state that must outlive a restart (DESIGN.md: topic ids survive CleanSession=0
 * reconnects and gateway restarts; research §4 item 9 — Paho, EMQX and RSMB lose them): the topic
 * table, the will as last given to the core, and whether (and since when) the client sleeps. The core persists the
 * session itself (subscriptions, queued messages); this is the gateway's own part, saved with
 * store.saveGatewayState as an opaque JSON value.
 *
 * Saves are coalesced: many REGISTERs in one event-loop turn write the client's state once.
 */
import type { QoS, Will } from '../broker/types.js';
import { printable } from '../observe/printable.js';
import type { Store } from '../store/types.js';
import type { SnClient } from './client.js';
import type { GatewayContext } from './context.js';
import type { SavedTopics } from './topic-registry.js';

export interface SavedClientState {
  version: 1;
  topics: SavedTopics;
  will?: { topic: string; payload: string; qos: QoS; retain: boolean };
  /** Sleep duration in seconds when the client was asleep. */
  asleep?: number;
  /**
   * Epoch ms the sleep timer counts from (the client's last message: DISCONNECT with duration, or
   * the end of its last wake-up). A restart honours it: the timer does not start again from zero.
   */
  asleepSince?: number;
  /** SnClient.untransmitted: in flight in the core, never sent (their first sending has no DUP). */
  untransmitted?: number[];
}

const pending = new WeakMap<GatewayContext, Set<SnClient>>();

/** Save `client`'s state at the end of this turn (CleanSession=1 clients keep nothing, §6.3). */
export function saveClientState(ctx: GatewayContext, client: SnClient): void {
  const store = ctx.store;
  if (store === undefined) return;
  let dirty = pending.get(ctx);
  if (dirty === undefined) {
    dirty = new Set();
    pending.set(ctx, dirty);
  }
  if (dirty.size === 0) {
    const batch = dirty;
    queueMicrotask(() => {
      for (const c of batch) writeClientState(ctx, c);
      batch.clear();
    });
  }
  dirty.add(client);
}

function writeClientState(ctx: GatewayContext, client: SnClient): void {
  if (ctx.clients.get(client.clientId) !== client) return;
  if (client.cleanSession) deleteClientState(ctx, client);
  else
    storeCall(ctx, client.clientId, 'save', (store) =>
      store.saveGatewayState(client.clientId, serialise(client)),
    );
  client.stateSaved = !client.cleanSession;
}

/** Forget a client's saved state — a store write only if there is something saved. */
export function deleteClientState(ctx: GatewayContext, client: SnClient): void {
  if (!client.stateSaved) return;
  client.stateSaved = false;
  storeCall(ctx, client.clientId, 'delete', (store) => store.deleteGatewayState(client.clientId));
}

function storeCall(ctx: GatewayContext, clientId: string, what: string, call: (store: Store) => void): void {
  if (ctx.store === undefined) return;
  try {
    call(ctx.store);
  } catch (error) {
    ctx.logger.error(
      `MQTT-SN ${printable(clientId)}: cannot ${what} gateway state: ${(error as Error).message}`,
    );
  }
}

function serialise(client: SnClient): SavedClientState {
  const saved: SavedClientState = { version: 1, topics: client.topics.save() };
  const will = client.will;
  if (will !== undefined) {
    saved.will = {
      topic: will.topic,
      payload: will.payload.toString('base64'),
      qos: will.qos,
      retain: will.retain,
    };
  }
  if (client.untransmitted.size > 0) saved.untransmitted = [...client.untransmitted];
  if (client.state.kind === 'asleep') {
    saved.asleep = client.state.duration;
    saved.asleepSince = client.lastHeard;
  }
  return saved;
}

/** Validate a stored value; undefined when it is not a state this version wrote. */
export function parseClientState(value: unknown): SavedClientState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<SavedClientState>;
  if (
    v.version !== 1 ||
    typeof v.topics !== 'object' ||
    v.topics === null ||
    !Array.isArray(v.topics.topics)
  ) {
    return undefined;
  }
  return v as SavedClientState;
}

/**
 * When a restored sleeper's timer counts from: the saved sleep start, or `now` for state written
 * before it was saved (or a start in the future, after the clock was set back).
 */
export function sleepStartOf(saved: SavedClientState, now: number): number {
  const since = saved.asleepSince;
  return typeof since === 'number' && Number.isFinite(since) && since <= now ? since : now;
}

/** The saved `untransmitted` packet ids that are valid ones (1..65535). */
export function untransmittedOf(saved: SavedClientState): number[] {
  const ids = saved.untransmitted;
  if (!Array.isArray(ids)) return [];
  return ids.filter((id): id is number => Number.isInteger(id) && id >= 1 && id <= 0xffff);
}

export function willOf(saved: SavedClientState): Will | undefined {
  const w = saved.will;
  if (w === undefined || typeof w.topic !== 'string') return undefined;
  return {
    topic: w.topic,
    payload: Buffer.from(w.payload ?? '', 'base64'),
    qos: w.qos,
    retain: w.retain === true,
  };
}
