/**
 * The broker core: the one owner of broker state (DESIGN.md principle 4). Thin on purpose: it
 * builds the shared context and delegates to lifecycle, inbound, subscribe, router and persist.
 */
import type { Logger } from '../observe/logger.js';
import { type BrokerContext, DEFAULT_OPTIONS } from './context.js';
import { EventBus } from './events.js';
import { withDeadline } from './inbound.js';
import { connect, connectionEnded, resume } from './lifecycle.js';
import { Persistence } from './persist.js';
import { restoreFromStore } from './restore.js';
import { RetainedStore } from './retained.js';
import { retain, route } from './router.js';
import { ConnectionHandle } from './session/handle.js';
import type { Session } from './session/session.js';
import { SysPublisher } from './sys.js';
import { SubscriptionTree } from './topics/subscription-tree.js';
import { isValidTopicName } from './topics/validate.js';
import {
  type BrokerApi,
  type BrokerDeps,
  type BrokerEvents,
  type BrokerMetrics,
  type BrokerOptions,
  type ClientLink,
  type ConnectRequest,
  type ConnectResult,
  type LinkInfo,
  type Message,
  ReasonCode,
  type SessionHandle,
} from './types.js';

export class Broker implements BrokerApi {
  readonly metrics: BrokerMetrics = {
    bytesReceived: 0,
    bytesSent: 0,
    messagesReceived: 0,
    messagesSent: 0,
    publishDropped: 0,
  };
  private readonly ctx: BrokerContext;
  private readonly events = new EventBus();
  private readonly sys: SysPublisher;
  private readonly logger: Logger;
  private closed = false;

  constructor(options: Partial<BrokerOptions>, deps: BrokerDeps) {
    let seq = 0;
    this.logger = deps.logger;
    this.ctx = {
      options: { ...DEFAULT_OPTIONS, ...options },
      logger: deps.logger,
      now: deps.now ?? Date.now,
      metrics: this.metrics,
      events: this.events,
      persist: new Persistence(deps.store),
      tree: new SubscriptionTree<Session>(),
      retained: new RetainedStore(),
      sessions: new Map(),
      nextSeq: () => ++seq,
      maxConnected: 0,
      connected: 0,
      sysCounters: { expiredSessions: 0, connections: 0, publishBytesReceived: 0, publishBytesSent: 0 },
    };
    if (deps.store) {
      const state = deps.loaded ?? deps.store.load();
      seq = state.lastSeq;
      restoreFromStore(this.ctx, state);
    }
    this.sys = new SysPublisher(this.ctx);
    this.sys.start();
  }

  on<K extends keyof BrokerEvents>(event: K, listener: (payload: BrokerEvents[K]) => void): void {
    this.events.on(event, listener);
  }

  connectedCount(): number {
    return this.ctx.connected;
  }

  connect(request: ConnectRequest): ConnectResult {
    if (this.closed) return { ok: false, reason: ReasonCode.ServerUnavailable };
    if (request.clientId.length === 0) {
      this.logger.warn(`Client at ${request.info.peer} refused: empty client id`);
      return { ok: false, reason: ReasonCode.ClientIdentifierNotValid };
    }
    const { handle, present } = connect(
      this.ctx,
      request,
      (s) => new ConnectionHandle(this.ctx, s, request.link, request.info),
    );
    return { ok: true, session: handle, sessionPresent: present };
  }

  resume(
    clientId: string,
    link: ClientLink,
    info: LinkInfo,
    options?: { maxQueued?: number },
  ): SessionHandle | undefined {
    const session = this.ctx.sessions.get(clientId);
    if (!session || this.closed) return undefined;
    const handle = new ConnectionHandle(this.ctx, session, link, info);
    resume(this.ctx, session, handle, options?.maxQueued);
    return handle;
  }

  expire(clientId: string, publishWill: boolean): void {
    const session = this.ctx.sessions.get(clientId);
    // Only a sleeper is ended this way; a connected or disconnected session has its own course.
    if (this.closed || session?.presence.kind !== 'asleep') return;
    connectionEnded(this.ctx, session, publishWill, undefined, 'sleep expired');
  }

  publish(message: Message): void {
    if (this.closed) return;
    if (!isValidTopicName(message.topic)) {
      this.logger.warn(`Broker publish to invalid topic "${message.topic}" ignored`);
      return;
    }
    const stamped = withDeadline(message, this.ctx.now());
    if (!stamped.topic.startsWith('$SYS/')) this.metrics.messagesReceived++;
    if (stamped.retain) retain(this.ctx, stamped);
    route(this.ctx, stamped, undefined);
  }

  /** Publish $SYS now (tests; the interval does it otherwise). */
  publishSys(): void {
    this.sys.publishAll();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sys.stop();
    const now = this.ctx.now();
    for (const session of this.ctx.sessions.values()) {
      session.willTimer?.cancel();
      session.expiryTimer?.cancel();
      const p = session.presence;
      if (p.kind !== 'connected') continue;
      // Shutdown is not the client's fault: its will is not published; the session is kept.
      session.presence = { kind: 'disconnected', at: now };
      this.ctx.connected--;
      session.will = undefined;
      this.ctx.persist.session(session);
      p.link.close(ReasonCode.ServerShuttingDown);
    }
    await new Promise<void>((resolve) => {
      this.ctx.persist.flush((error) => {
        if (error) this.logger.error(`Store flush at shutdown failed: ${error.message}`);
        resolve();
      });
    });
    this.ctx.persist.detach();
  }
}
