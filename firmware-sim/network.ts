/** Opens the run's network from its transport options. */
import type { Logger } from '../src/observe/logger.js';
import { createForwarderNetwork } from './links/forwarder.js';
import { createSerialNetwork } from './links/serial.js';
import type { LossModel, Network } from './links/types.js';
import { createUdpNetwork, parseHostPort } from './links/udp.js';
import type { TransportOptions } from './options.js';

/** Log at most this many transport errors one by one; after that only count them. */
const LOGGED_ERRORS = 20;

export async function openNetwork(
  transport: TransportOptions,
  totalSensors: number,
  loss: LossModel,
  logger: Logger,
): Promise<Network> {
  let errors = 0;
  const onError = (message: string): void => {
    errors++;
    if (errors <= LOGGED_ERRORS) logger.warn(message);
    else if (errors === LOGGED_ERRORS + 1) logger.warn('more transport errors: counting them silently');
  };
  switch (transport.kind) {
    case 'udp':
      return createUdpNetwork({
        gateway: parseHostPort(transport.gateway),
        sourceAddresses: transport.sourceAddresses ?? [],
        loss,
        onError,
      });
    case 'forwarder':
      return createForwarderNetwork({
        gateway: parseHostPort(transport.gateway),
        sourceAddress: transport.sourceAddress,
        loss,
        onError,
      });
    case 'serial':
      return createSerialNetwork({
        path: transport.path,
        baudRate: transport.baudRate ?? 115_200,
        framing: transport.framing,
        // Raw framing cannot tell sensors apart without encapsulation (§5.5).
        forwarder: transport.forwarder === true || (transport.framing === 'raw' && totalSensors > 1),
        loss,
        onError,
      });
  }
}
