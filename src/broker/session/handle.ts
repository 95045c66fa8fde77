/**
 * The SessionHandle a front end holds for one connection. Every call is checked against the
 * session's current link: once the link is detached (disconnect, takeover, sleep, shutdown) the
 * handle goes inert, so a late packet from a dead connection cannot touch the session.
 */
import type { BrokerContext } from '../context.js';
import { inboundPublish, inboundPubrel } from '../inbound.js';
import { connectionEnded, sleep } from '../lifecycle.js';
import { subscribe, unsubscribe } from '../subscribe.js';
import type {
  ClientLink,
  DisconnectOptions,
  InboundPublish,
  LinkInfo,
  PublishOutcome,
  ReasonCode,
  SessionHandle,
  SubscriptionRequest,
  Will,
} from '../types.js';
import { ReasonCode as RC } from '../types.js';
import * as outgoing from './outgoing.js';
import type { ConnectedPresence, Session } from './session.js';

/** Also the session's presence while this connection is attached (ConnectedPresence). */
export class ConnectionHandle implements SessionHandle, ConnectedPresence {
  constructor(
    private readonly ctx: BrokerContext,
    private readonly session: Session,
    readonly link: ClientLink,
    readonly info: LinkInfo,
  ) {}

  get kind(): 'connected' {
    return 'connected';
  }

  get handle(): object {
    return this;
  }

  get clientId(): string {
    return this.session.clientId;
  }

  private get live(): boolean {
    return this.session.presence === this;
  }

  publish(msg: InboundPublish, done?: (outcome: PublishOutcome) => void): void {
    if (this.live) inboundPublish(this.ctx, this.session, msg, done);
  }

  pubrel(packetId: number, done?: (reason: ReasonCode) => void): void {
    if (this.live) inboundPubrel(this.ctx, this.session, packetId, done);
  }

  puback(packetId: number): boolean {
    return this.live && outgoing.puback(this.ctx, this.session, packetId);
  }

  pubrec(packetId: number, done?: (known: boolean) => void): boolean {
    const known = this.live && outgoing.pubrec(this.ctx, this.session, packetId);
    if (done) this.ctx.persist.flush(() => done(known));
    return known;
  }

  pubcomp(packetId: number): boolean {
    return this.live && outgoing.pubcomp(this.ctx, this.session, packetId);
  }

  subscribe(requests: SubscriptionRequest[]): number[] {
    if (!this.live) return requests.map(() => RC.UnspecifiedError);
    return subscribe(this.ctx, this.session, requests);
  }

  unsubscribe(filters: string[]): ReasonCode[] {
    if (!this.live) return filters.map(() => RC.UnspecifiedError);
    return unsubscribe(this.ctx, this.session, filters);
  }

  setWill(will: Will | undefined): void {
    if (!this.live) return;
    this.session.will = will;
    this.ctx.persist.session(this.session);
  }

  disconnect(options: DisconnectOptions): void {
    if (!this.live) return;
    const reason = options.publishWill ? 'connection lost' : 'disconnected';
    connectionEnded(this.ctx, this.session, options.publishWill, options.sessionExpiry, reason);
  }

  detach(): void {
    if (this.live) sleep(this.ctx, this.session);
  }

  /** Still answers after detach(): the MQTT-SN gateway counts a sleeper's buffer with it. */
  pendingCount(): number {
    return this.session.pendingCount();
  }

  subscriptions(): SubscriptionRequest[] {
    return [...this.session.subscriptionsView.values()];
  }
}
