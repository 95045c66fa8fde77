/**
 * The state of one MQTT-SN client as the gateway sees it: the five states of MQTT-SN §6.14
 * (Figure 4) plus the will handshake that precedes 'active' (§6.2). One discriminated union, not
 * a set of booleans (DESIGN.md principle 3).
 */
import type { SessionHandle, Will } from '../broker/types.js';
import type { ConnectPacket, WillTopicFields } from '../codec/mqttsn/index.js';

export type ClientState =
  /** CONNECT with the Will flag received; prompting for WILLTOPIC, then WILLMSG (§6.2). */
  | {
      kind: 'connecting';
      phase: 'willtopic' | 'willmsg';
      connect: ConnectPacket;
      willTopic?: WillTopicFields;
    }
  /** Connected, supervised by the keep-alive timer (§6.11, §6.14). */
  | { kind: 'active'; session: SessionHandle; keepAlive: number }
  /** DISCONNECT with a sleep duration; the core queues for it; supervised by the sleep timer. */
  | { kind: 'asleep'; duration: number }
  /**
   * PINGREQ with ClientId: buffered messages are flushed, PINGRESP last, then back to asleep.
   * `session` is undefined only while broker.resume() runs; `budget`: deliveries of the backlog
   * still to come (outbound.ts withinWakeBudget); `coreIdle` once the core has nothing
   * queued or in flight for the client (ClientLink.drained).
   */
  | { kind: 'awake'; session: SessionHandle | undefined; duration: number; coreIdle: boolean; budget: number }
  /** DISCONNECT without duration; not supervised. */
  | { kind: 'disconnected' }
  /** Keep-alive or sleep timer expired, or N_retry exhausted: the will was published. */
  | { kind: 'lost' };

export type ClientStateKind = ClientState['kind'];

/** Will data as the gateway last gave it to the core (re-sent on a CleanSession=0, Will=0 CONNECT, §6.3). */
export type RememberedWill = Will | undefined;

export function attachedSession(state: ClientState): SessionHandle | undefined {
  if (state.kind === 'active') return state.session;
  if (state.kind === 'awake') return state.session;
  return undefined;
}

/** States that count against maxClients. */
export function holdsSlot(kind: ClientStateKind): boolean {
  return kind === 'active' || kind === 'asleep' || kind === 'awake';
}
