/**
 * The gateway's clients, by ClientId and by address. A client is routed by ClientId on CONNECT
 * and on PINGREQ-with-ClientId, so one that wakes or reconnects from a new address (NAT, NB-IoT)
 * keeps its session (DESIGN.md; EMQX does this, Paho refused it). Every other message is routed
 * by the address it came from.
 */
import type { SnClient } from './client.js';
import { type ClientState, holdsSlot } from './client-state.js';
import type { Endpoint } from './forwarder.js';
import type { GatewayStats } from './options.js';

export class ClientRegistry {
  private readonly byId = new Map<string, SnClient>();
  private readonly byAddress = new Map<string, SnClient>();

  constructor(private readonly stats: GatewayStats) {}

  get(clientId: string): SnClient | undefined {
    return this.byId.get(clientId);
  }

  at(endpointKey: string): SnClient | undefined {
    return this.byAddress.get(endpointKey);
  }

  all(): IterableIterator<SnClient> {
    return this.byId.values();
  }

  add(client: SnClient): void {
    this.byId.set(client.clientId, client);
    this.stats.clients[countedKind(client.state)]++;
  }

  /** Forget a client entirely (a CleanSession=1 client that disconnected or was lost). */
  remove(client: SnClient): void {
    if (this.byId.get(client.clientId) !== client) return;
    this.unbind(client);
    this.byId.delete(client.clientId);
    this.stats.clients[countedKind(client.state)]--;
  }

  /** Route `endpoint` to `client` (and only to it). */
  bind(client: SnClient, endpoint: Endpoint): void {
    if (client.endpoint?.key !== endpoint.key) this.unbind(client);
    client.endpoint = endpoint;
    this.byAddress.set(endpoint.key, client);
  }

  unbind(client: SnClient): void {
    const key = client.endpoint?.key;
    if (key !== undefined && this.byAddress.get(key) === client) this.byAddress.delete(key);
  }

  /** Clients holding a slot (active, asleep, awake), compared against maxClients. */
  connectedCount(): number {
    const c = this.stats.clients;
    return c.active + c.asleep + c.awake;
  }

  /** Change a client's state, keeping the per-state counters right. */
  setState(client: SnClient, state: ClientState): void {
    if (this.byId.get(client.clientId) === client) {
      this.stats.clients[countedKind(client.state)]--;
      this.stats.clients[countedKind(state)]++;
    }
    client.state = state;
  }

  holdsSlot(client: SnClient): boolean {
    return holdsSlot(client.state.kind);
  }
}

/** The will handshake is counted as 'disconnected' until CONNACK. */
function countedKind(state: ClientState): 'active' | 'asleep' | 'awake' | 'disconnected' | 'lost' {
  return state.kind === 'connecting' ? 'disconnected' : state.kind;
}
