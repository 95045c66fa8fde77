/**
 * A sensor's radio: encodes what the state machine sends, refuses what the link cannot carry (its
 * MTU), charges the battery per transmission and remembers when it last sent (keep-alive, §6.11).
 */
import { encode, type MqttSnPacket } from '../src/codec/mqttsn/index.js';
import type { Logger } from '../src/observe/logger.js';
import type { Battery } from './battery.js';
import type { Origin, SensorLink } from './links/types.js';
import type { Scheduler } from './scheduler.js';

export class Radio {
  link: SensorLink | undefined;
  /** Scheduler time of the last transmission. */
  lastSentAt = 0;

  constructor(
    private readonly clientId: string,
    private readonly scheduler: Scheduler,
    private readonly battery: Battery,
    private readonly logger: Logger,
  ) {}

  transmit(packet: MqttSnPacket): void {
    const link = this.link;
    if (!link) return;
    let bytes: Buffer;
    try {
      bytes = encode(packet);
    } catch (error) {
      this.logger.error(`${this.clientId}: cannot encode ${packet.type}: ${(error as Error).message}`);
      return;
    }
    if (bytes.length > link.mtu) {
      this.logger.warn(
        `${this.clientId}: ${packet.type} of ${bytes.length} octets exceeds the link's ${link.mtu}`,
      );
      return;
    }
    this.lastSentAt = this.scheduler.now();
    this.battery.transmitted(bytes.length);
    // SEARCHGW goes to everyone in radio range (§6.1); the rest to the gateway.
    if (packet.type === 'SEARCHGW') link.broadcast(bytes);
    else link.send(bytes);
  }

  /** Discovery answered: from now on the gateway is whoever sent the GWINFO / ADVERTISE. */
  adoptGateway(origin: Origin): void {
    this.link?.adoptGateway(origin);
  }
}
