/**
 * CONNECT timeout and keep-alive supervision for every MQTT connection of the process, on one
 * coarse timer wheel instead of one Timeout per connection (a Timeout and its list entry keep
 * about 200 bytes per idle client, and creating and clearing one is on every CONNECT's path).
 * The same scheme as the MQTT-SN gateway's (src/gateway/supervision.ts): connections sit in
 * 250 ms slots by deadline; input only stores the time it came (`lastActivity`); when a slot
 * comes up, a connection heard from meanwhile moves to the slot of its new deadline, the others
 * expire. Expiry is therefore up to one slot late, never early: keep-alive is enforced after
 * 1.5 × the keep-alive [MQTT-3.1.2-24], not before.
 */

const SLOT_MS = 250;

/** What the wheel needs of a connection (MqttConnection implements it). */
export interface Supervised {
  /** Time of the last input that counts (ms, supervisionNow()); the deadline is counted from it. */
  lastActivity: number;
  /** How long after lastActivity the connection expires (ms); 0 = not supervised. */
  supervisionMs: number;
  /** The slot the connection sits in, or -1. */
  supervisionSlot: number;
  supervisionExpired(): void;
}

/**
 * Milliseconds since this module loaded: small integers, stored unboxed in the connection
 * (epoch milliseconds are not small integers and would cost a heap number each).
 */
const ORIGIN = Date.now();
export function supervisionNow(): number {
  // Math.trunc hands back a small integer where a subtraction of doubles would box its result.
  return Math.trunc(Date.now() - ORIGIN);
}

const slots = new Map<number, Set<Supervised>>();
let ticker: NodeJS.Timeout | undefined;

/** Supervise `target` for `limitMs` from its lastActivity; 0 stops supervising it. */
export function supervise(target: Supervised, limitMs: number): void {
  unsupervise(target);
  target.supervisionMs = limitMs;
  if (limitMs > 0) place(target);
}

export function unsupervise(target: Supervised): void {
  if (target.supervisionSlot >= 0) {
    const members = slots.get(target.supervisionSlot);
    members?.delete(target);
    if (members?.size === 0) slots.delete(target.supervisionSlot);
  }
  target.supervisionSlot = -1;
  target.supervisionMs = 0;
}

function place(target: Supervised): void {
  const slot = Math.ceil((target.lastActivity + target.supervisionMs) / SLOT_MS);
  let members = slots.get(slot);
  if (members === undefined) {
    members = new Set();
    slots.set(slot, members);
  }
  members.add(target);
  target.supervisionSlot = slot;
  if (ticker === undefined) {
    ticker = setInterval(tick, SLOT_MS);
    // The sockets keep the process alive, not their supervision.
    ticker.unref();
  }
}

function tick(): void {
  const now = supervisionNow();
  const current = Math.floor(now / SLOT_MS);
  // A connection re-placed below lands in a later slot than `current`, so it is not seen again.
  for (const [slot, members] of slots) {
    if (slot > current) continue;
    slots.delete(slot);
    for (const target of members) {
      // Stopped or moved by an earlier expiry of this tick (a takeover closes the old connection).
      if (target.supervisionSlot !== slot) continue;
      target.supervisionSlot = -1;
      if (now - target.lastActivity < target.supervisionMs) {
        place(target);
        continue;
      }
      target.supervisionMs = 0;
      target.supervisionExpired();
    }
  }
  if (slots.size === 0 && ticker !== undefined) {
    clearInterval(ticker);
    ticker = undefined;
  }
}
