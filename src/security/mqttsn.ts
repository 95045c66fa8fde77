/**
 * The MQTT-SN gateway's view of security (MQTT-SN v1.2 has no credentials, §5.4.4): the
 * admission list decides on ClientId + address, and gives the username whose ACL applies;
 * QoS −1 senders (§6.8) are admitted by address and their PUBLISH is checked against the ACL
 * (the core's publish-from-the-broker path does not ask the authorizer).
 */
import type { Authorizer } from '../broker/types.js';
import type { Logger } from '../observe/logger.js';
import { printable } from '../observe/printable.js';
import type { AdmissionList } from './admission.js';

export type SnAdmission = { ok: true; username?: string } | { ok: false; why: string };

/** What the gateway calls; absent = every client admitted, QoS −1 unrestricted. */
export interface SnSecurity {
  /** A CONNECT, or a client waking up from a new address (§6.14): may `clientId` use `addressKey`? */
  admit(clientId: string, addressKey: string): SnAdmission;
  /** A QoS −1 PUBLISH from `addressKey` on `topic` (already resolved from its topic id). */
  admitQosMinus1(addressKey: string, topic: string): SnAdmission;
}

export interface SnSecurityCounters {
  refusedConnects: number;
  refusedQosMinus1: number;
}

export class MqttSnSecurity implements SnSecurity {
  readonly counters: SnSecurityCounters = { refusedConnects: 0, refusedQosMinus1: 0 };

  constructor(
    private readonly admission: AdmissionList | undefined,
    private readonly authorizer: Authorizer | undefined,
    private readonly logger: Logger,
  ) {}

  admit(clientId: string, addressKey: string): SnAdmission {
    if (this.admission === undefined) return { ok: true };
    const result = this.admission.admit(clientId, addressKey);
    if (result.ok)
      return result.username === undefined ? { ok: true } : { ok: true, username: result.username };
    this.counters.refusedConnects++;
    const why = `ClientId '${printable(clientId)}' from ${addressKey} is not in ${this.admission.file}`;
    this.logger.warn(`MQTT-SN admission refused: ${why}`);
    return { ok: false, why };
  }

  admitQosMinus1(addressKey: string, topic: string): SnAdmission {
    let username: string | undefined;
    if (this.admission !== undefined) {
      const result = this.admission.admitAddress(addressKey);
      if (!result.ok) return this.refuseQosMinus1(`sender ${addressKey} is not in ${this.admission.file}`);
      username = result.username;
    }
    // A QoS −1 sender has no ClientId: its address stands in for it (for %c patterns and logs).
    if (this.authorizer !== undefined && !this.authorizer.canPublish(addressKey, username, topic)) {
      return this.refuseQosMinus1(`${addressKey} may not publish to '${printable(topic)}' (acl_file)`);
    }
    return username === undefined ? { ok: true } : { ok: true, username };
  }

  private refuseQosMinus1(why: string): SnAdmission {
    this.counters.refusedQosMinus1++;
    this.logger.warn(`MQTT-SN QoS -1 PUBLISH refused: ${why}`);
    return { ok: false, why };
  }
}

/** Undefined when there is nothing to check (no admission list, no authorizer). */
export function createSnSecurity(
  admission: AdmissionList | undefined,
  authorizer: Authorizer | undefined,
  logger: Logger,
): MqttSnSecurity | undefined {
  return admission === undefined && authorizer === undefined
    ? undefined
    : new MqttSnSecurity(admission, authorizer, logger);
}
