/**
 * A request the gateway refuses with an MQTT-SN return code (§5.3.10). Handlers throw it; the
 * dispatcher turns it into the right answer for the message (CONNACK, REGACK, PUBACK, SUBACK,
 * WILLTOPICRESP, WILLMSGRESP) and a log line naming the peer and the reason — in one place.
 */
import type { ReturnCode } from '../codec/mqttsn/index.js';

export class SnRejection extends Error {
  override readonly name = 'SnRejection';
  constructor(
    readonly returnCode: ReturnCode,
    reason: string,
  ) {
    super(reason);
  }
}

/** A message from a sender that is not a connected client: answered with DISCONNECT (§6.12). */
export class NotConnected extends Error {
  override readonly name = 'NotConnected';
}

/**
 * A gateway setting the gateway cannot honour, refused at start-up (the CLI prints the message
 * alone: `code` marks it as the user's to fix, src/cli/gateway.ts).
 */
export class GatewayOptionsError extends Error {
  override readonly name = 'GatewayOptionsError';
  readonly code = 'ERR_MQTTSN_OPTIONS';
}
