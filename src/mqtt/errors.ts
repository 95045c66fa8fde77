/**
 * The one place where failures become protocol answers: v5 reason codes, 3.1/3.1.1 CONNACK
 * return codes and SUBACK failure codes (DESIGN.md principle 2, mosquitto read_handle.c).
 * Handlers throw MqttProtocolError; only the dispatcher catches it.
 */
import { ReasonCode } from '../broker/types.js';

/** v5 reason 0x8C, which the core's enum does not carry: enhanced authentication is unsupported. */
export const BAD_AUTHENTICATION_METHOD = 0x8c;

/** A violation by the client: the connection is closed, v5 clients first get `reason`. */
export class MqttProtocolError extends Error {
  override readonly name = 'MqttProtocolError';
  constructor(
    readonly reason: number,
    message: string,
  ) {
    super(message);
  }
}

/** 3.1/3.1.1 CONNACK return codes [MQTT-3.2.2-4], Table 3.1. */
export const ConnackV3 = {
  Accepted: 0,
  UnacceptableProtocolVersion: 1,
  IdentifierRejected: 2,
  ServerUnavailable: 3,
  BadUserNameOrPassword: 4,
  NotAuthorized: 5,
} as const;

/** CONNACK code for `reason` in the client's protocol version. */
export function connackCode(reason: number, protocolVersion: number): number {
  if (protocolVersion === 5) return reason;
  switch (reason) {
    case ReasonCode.Success:
      return ConnackV3.Accepted;
    case ReasonCode.UnsupportedProtocolVersion:
      return ConnackV3.UnacceptableProtocolVersion;
    case ReasonCode.ClientIdentifierNotValid:
      return ConnackV3.IdentifierRejected;
    case ReasonCode.BadUserNameOrPassword:
      return ConnackV3.BadUserNameOrPassword;
    case ReasonCode.NotAuthorized:
    case ReasonCode.Banned:
    case BAD_AUTHENTICATION_METHOD:
      return ConnackV3.NotAuthorized;
    default:
      return ConnackV3.ServerUnavailable;
  }
}

/** SUBACK entry: v5 keeps the reason; 3.x has only granted QoS or 0x80 [MQTT-3.9.3-2]. */
export function subackCode(code: number, protocolVersion: number): number {
  if (protocolVersion === 5) return code;
  return Math.min(code, 0x80);
}

/** mqtt-packet reports every decoding failure as a plain Error; all of them are malformed input. */
export function reasonForDecodeError(message: string): number {
  if (message === 'Invalid protocol version') return ReasonCode.UnsupportedProtocolVersion;
  return ReasonCode.MalformedPacket;
}

/** "0x95 PacketTooLarge" for log lines. */
export function describeReason(code: number): string {
  const name = code === BAD_AUTHENTICATION_METHOD ? 'BadAuthenticationMethod' : ReasonCode[code];
  return `0x${code.toString(16).padStart(2, '0')} ${name ?? 'Unknown'}`;
}
