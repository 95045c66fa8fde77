/**
 * Where an MQTT-SN client sits: a transport peer, or a wireless node behind a forwarder on that
 * peer (MQTT-SN §5.5). Each wireless node id behind a forwarder is a client address of its own
 * (DESIGN.md "Forwarder encapsulation"); replies to it are wrapped back in an encapsulation.
 */
import type { PeerAddress } from '../transport/types.js';

export interface Endpoint {
  /** Unique across transports: the peer key, plus "/node:<hex id>" behind a forwarder. */
  readonly key: string;
  readonly peer: PeerAddress;
  /**
   * Wireless Node Id of a client behind a forwarder (§5.5), in hex; absent for a direct peer.
   * A string, not a Buffer: a Buffer per client costs ~150 bytes, and 100 000 sensors behind
   * forwarders are the case this exists for (nodeIdBytes() rebuilds it per reply).
   */
  readonly nodeHex?: string;
}

/** One Endpoint object per direct peer, so the hot path allocates nothing per datagram. */
const directEndpoints = new WeakMap<PeerAddress, Endpoint>();

export function directEndpoint(peer: PeerAddress): Endpoint {
  let endpoint = directEndpoints.get(peer);
  if (endpoint === undefined) {
    endpoint = { key: peer.key, peer };
    directEndpoints.set(peer, endpoint);
  }
  return endpoint;
}

export function forwardedEndpoint(peer: PeerAddress, nodeId: Buffer): Endpoint {
  const nodeHex = nodeId.toString('hex');
  return { key: `${peer.key}/node:${nodeHex}`, peer, nodeHex };
}

/** The Wireless Node Id octets of an endpoint behind a forwarder (from Endpoint.nodeHex). */
export function nodeIdBytes(nodeHex: string): Buffer {
  return Buffer.from(nodeHex, 'hex');
}
