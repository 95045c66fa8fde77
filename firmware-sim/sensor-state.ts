/**
 * The states of a simulated sensor, as its firmware sees them (compare the gateway's view in
 * MQTT-SN §6.14 Fig. 4: active, asleep, awake, disconnected, lost). One discriminated union, not a
 * handful of booleans: what a sensor may do next depends only on this.
 */

export type SensorState =
  /** Not powered on yet (waiting for its start offset). */
  | { readonly kind: 'off' }
  /** SEARCHGW broadcast, waiting for GWINFO (or an ADVERTISE) (§6.1). */
  | { readonly kind: 'searching' }
  /**
   * CONNECT sent (§6.2), possibly answering WILLTOPICREQ / WILLMSGREQ. `resume`: a wake-up to publish
   * (CleanSession=0, no will prompt, no re-subscribe: the session is kept, §6.14).
   */
  | { readonly kind: 'connecting'; readonly resume: boolean }
  /** Connected: registering topics (§6.5) and subscribing to the command topic (§6.9). */
  | { readonly kind: 'setup' }
  /** Connected and reporting. QoS −1 sensors are 'active' without ever connecting (§6.8). */
  | { readonly kind: 'active' }
  /** DISCONNECT with a sleep duration sent, waiting for the gateway's DISCONNECT (§6.14 Fig. 5). */
  | { readonly kind: 'falling-asleep' }
  /** Radio off until the wake timer fires. */
  | { readonly kind: 'asleep' }
  /** Woke to poll: PINGREQ with ClientId sent, taking buffered messages until PINGRESP (§6.14). */
  | { readonly kind: 'awake' }
  /** Connection given up (N_retry exhausted, §6.13, or rejected): waiting to try again. */
  | { readonly kind: 'backoff'; readonly reason: string }
  /** Final DISCONNECT sent at the end of the run, waiting for the gateway's DISCONNECT. */
  | { readonly kind: 'disconnecting' }
  | { readonly kind: 'stopped' };

export type SensorStateKind = SensorState['kind'];

export const SENSOR_STATE_KINDS: readonly SensorStateKind[] = [
  'off',
  'searching',
  'connecting',
  'setup',
  'active',
  'falling-asleep',
  'asleep',
  'awake',
  'backoff',
  'disconnecting',
  'stopped',
];

/** A message waiting to be published, and where it goes. */
export interface Outgoing {
  /** 'reading' or 'battery': which of the sensor's topics. */
  readonly stream: 'reading' | 'battery';
  readonly payload: Buffer;
}

/** A short memory of MsgIds received at QoS 1, to recognise a DUP retransmission (§6.10). */
export class RecentIds {
  private readonly ids: number[] = [];
  constructor(private readonly capacity: number) {}

  has(id: number): boolean {
    return this.ids.includes(id);
  }

  add(id: number): void {
    this.ids.push(id);
    if (this.ids.length > this.capacity) this.ids.shift();
  }
}
