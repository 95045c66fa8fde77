/**
 * The state the broker's modules share. Broker (broker.ts) is the one owner that creates it;
 * the modules are functions over it, so each stays small and testable.
 */
import type { Logger } from '../observe/logger.js';
import type { EventBus } from './events.js';
import type { Persistence } from './persist.js';
import type { RetainedStore } from './retained.js';
import type { Session } from './session/session.js';
import type { SubscriptionTree } from './topics/subscription-tree.js';
import type { BrokerMetrics, BrokerOptions } from './types.js';

export interface BrokerContext {
  readonly options: BrokerOptions;
  readonly logger: Logger;
  readonly now: () => number;
  readonly metrics: BrokerMetrics;
  readonly events: EventBus;
  readonly persist: Persistence;
  readonly tree: SubscriptionTree<Session>;
  readonly retained: RetainedStore;
  readonly sessions: Map<string, Session>;
  /** Next broker-wide outgoing sequence number. */
  nextSeq(): number;
  /** Highest number of clients connected at once, for $SYS. */
  maxConnected: number;
  connected: number;
  /** Counts only $SYS needs (sys.ts), kept by the modules where they happen. */
  readonly sysCounters: SysCounters;
}

export interface SysCounters {
  /** Sessions ended by their expiry interval ($SYS/broker/clients/expired). */
  expiredSessions: number;
  /** Connections accepted since start (load/connections, load/sockets). */
  connections: number;
  /** Payload bytes of PUBLISHes received from clients / sent to them. */
  publishBytesReceived: number;
  publishBytesSent: number;
}

/** Where a message came from, for log lines. */
export function describePeer(session: Session): string {
  const p = session.presence;
  return p.kind === 'disconnected' ? session.clientId : `${session.clientId} (${p.info.peer})`;
}

export const DEFAULT_OPTIONS: BrokerOptions = {
  // mosquitto: max_queued_messages 1000, max_inflight_messages 20, queue_qos0_messages false.
  maxQueuedMessages: 1000,
  maxInflightMessages: 20,
  queueQos0Messages: false,
  retainAvailable: true,
  maximumQos: 2,
  sysInterval: 10,
  version: 'mqttsn-gateway',
};
