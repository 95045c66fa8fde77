import type { DecodeError, DecodeErrorKind, MsgTypeName } from './types.js';

/** Context fields of a DecodeError besides kind and message. */
export type DecodeErrorContext = Omit<DecodeError, 'kind' | 'message'>;

/** The failing half of a DecodeResult. */
export function fail(
  kind: DecodeErrorKind,
  message: string,
  context?: DecodeErrorContext,
): { ok: false; error: DecodeError } {
  return { ok: false, error: { kind, message, ...context } };
}

/**
 * Thrown by `encode` for a packet that cannot be put on the wire (a MsgId above 65535, a short topic
 * name that is not 2 octets, a message longer than 65535 octets …). These are bugs or unchecked
 * input in the caller, not network input; `tryEncode` turns them into a result instead.
 */
export class EncodeError extends RangeError {
  override readonly name = 'EncodeError';
  constructor(
    readonly packetType: MsgTypeName,
    detail: string,
  ) {
    super(`cannot encode ${packetType}: ${detail}`);
  }
}
