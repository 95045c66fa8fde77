/**
 * How simulated sensors reach the gateway: a Network (UDP sockets, a simulated forwarder, a serial
 * line with a framing) gives each sensor a SensorLink. Sensors only ever see MQTT-SN messages; the
 * network adds and strips whatever the medium needs (forwarder encapsulation, XBee API frames).
 */

/** Where a received datagram came from, opaque to the sensor (a GWINFO's sender, §6.1). */
export type Origin = { readonly host: string; readonly port: number } | undefined;

export type Receive = (data: Buffer, origin: Origin) => void;

export interface SensorLink {
  /** Unicast to the gateway. */
  send(data: Buffer): void;
  /** A broadcast on the sensor's medium (SEARCHGW, MQTT-SN §6.1). */
  broadcast(data: Buffer): void;
  /** Use the sender of a GWINFO as the gateway from now on (UDP discovery). */
  adoptGateway(origin: Origin): void;
  /** Largest MQTT-SN message this medium carries (60 octets over ZigBee, MQTT-SN §7.4). */
  readonly mtu: number;
}

export interface NetworkCounters {
  datagramsOut: number;
  datagramsIn: number;
  octetsOut: number;
  octetsIn: number;
  /** Datagrams thrown away by the simulated radio loss (`--loss`), both directions. */
  droppedByLoss: number;
  /** Datagrams from the gateway that no sensor claimed (unknown node id / address) or did not parse. */
  unroutable: number;
  sendErrors: number;
}

export interface Network {
  readonly name: string;
  readonly counters: NetworkCounters;
  /** Gives sensor number `index` (0-based, unique in the run) its link; `receive` gets its datagrams. */
  attach(index: number, receive: Receive): Promise<SensorLink>;
  close(): Promise<void>;
}

export function emptyNetworkCounters(): NetworkCounters {
  return {
    datagramsOut: 0,
    datagramsIn: 0,
    octetsOut: 0,
    octetsIn: 0,
    droppedByLoss: 0,
    unroutable: 0,
    sendErrors: 0,
  };
}

/**
 * Simulated radio loss, seeded (`--loss PERCENT` applies to both directions). Each sensor has its
 * own streams, so with the same seed a sensor loses the same datagrams of its own whatever the
 * other sensors are doing.
 */
export interface LossModel {
  /** True if sensor `index`'s next datagram towards the gateway is lost. */
  dropUplink(index: number): boolean;
  /** True if the next datagram from the gateway to sensor `index` is lost. */
  dropDownlink(index: number): boolean;
}

export const NO_LOSS: LossModel = { dropUplink: () => false, dropDownlink: () => false };
