/**
 * Transports only move datagrams with a sender address (DESIGN.md "Transports"). UDP (v4, v6),
 * serial lines with a framing (raw MQTT-SN, XBee API 1/2) — all behind this one interface, chosen
 * at run time from gateway.conf. Every datagram carries its sender address; replies go to it.
 */

/**
 * Where a datagram came from / goes to. `key` is a stable string unique across all transports of
 * the process (e.g. "udp:127.0.0.1:5000", "udp6:[::1]:5000", "serial:/dev/ttyUSB0",
 * "xbee:/dev/ttyUSB0:0013a20040a1b2c3:fffe"); the gateway uses it as a map key.
 */
export interface PeerAddress {
  readonly key: string;
  /** Transport-specific details for sending back (host/port, 64+16-bit radio address …). */
  readonly transport: DatagramTransport;
}

export interface DatagramEvents {
  /** One complete MQTT-SN message (or forwarder-encapsulated message) from `from`. */
  datagram(data: Buffer, from: PeerAddress): void;
  /** A send to `to` failed at the link layer (e.g. XBee Transmit Status != 0). */
  deliveryFailed?(to: PeerAddress): void;
}

export interface DatagramTransport {
  /** Human-readable name for logs, e.g. "udp 0.0.0.0:1883" or "serial /dev/ttyUSB0 xbee-api2". */
  readonly name: string;
  /** Largest datagram this transport can carry (UDP: 65507 less headroom; ZigBee: 60, §7.4). */
  readonly mtu: number;
  start(events: DatagramEvents): Promise<void>;
  send(data: Buffer, to: PeerAddress): void;
  /** Broadcast (ADVERTISE, GWINFO, §6.1); a transport without broadcast ignores it. */
  broadcast(data: Buffer): void;
  close(): Promise<void>;
}
