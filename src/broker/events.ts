/** A tiny typed event bus for observability (BrokerEvents). Emitting with no listener costs a lookup. */
import type { BrokerEvents } from './types.js';

type Listener<K extends keyof BrokerEvents> = (payload: BrokerEvents[K]) => void;
type ListenerMap = { [K in keyof BrokerEvents]?: Listener<K>[] };

export class EventBus {
  private readonly listeners: ListenerMap = {};

  on<K extends keyof BrokerEvents>(event: K, listener: Listener<K>): void {
    const list = (this.listeners[event] ?? []) as Listener<K>[];
    list.push(listener);
    (this.listeners as Record<string, unknown>)[event] = list;
  }

  has(event: keyof BrokerEvents): boolean {
    return this.listeners[event] !== undefined;
  }

  emit<K extends keyof BrokerEvents>(event: K, payload: BrokerEvents[K]): void {
    const list = this.listeners[event] as Listener<K>[] | undefined;
    if (!list) return;
    for (const listener of list) {
      try {
        listener(payload);
      } catch {
        // Observers never break the broker.
      }
    }
  }
}
