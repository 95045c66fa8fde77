/**
 * The MQTT-SN admission list (`mqttsn_admission_file`). MQTT-SN v1.2 CONNECT carries no
 * credentials (MQTT-SN §5.4.4), so a gateway can only decide on what it sees: the ClientId and
 * the address the datagram came from (the transport's peer key, see src/transport/types.ts).
 *
 * Format — one entry a line, `#` comments (whole line, or after a space), first matching entry wins:
 *
 *   client <clientId-pattern> [address <address-pattern>] [user <username>]
 *
 * Patterns use `*` (any characters) and `?` (one character). Address patterns match the peer key:
 *   udp:192.168.1.20:*            any port of one host (NAT may change the port)
 *   udp6:[fd00::*]:*              an IPv6 prefix
 *   serial:/dev/ttyUSB0           the device on a raw serial line
 *   xbee:/dev/ttyUSB0:0013a200*   radios by 64-bit address
 *   udp:10.0.0.1:1884/node:0a      a node behind a forwarder (`…/node:<hex wireless node id>`, §5.5)
 * `user` names the account whose ACL (acl_file) applies to the client; without it the client is
 * anonymous for the ACL.
 *
 * QoS −1 senders (§6.8) have no CONNECT and no ClientId: they are admitted by address alone, by any
 * entry whose address pattern matches (an entry without `address` admits no QoS −1 sender).
 */
import { readFileSync } from 'node:fs';
import { meaningfulLines, SecurityFileError } from './errors.js';
import { compileWildcard, type WildcardPattern } from './wildcard.js';

export interface AdmissionEntry {
  clientId: string;
  address?: string;
  user?: string;
  line: number;
}

export type AdmissionResult = { ok: true; username?: string; line: number } | { ok: false };

interface CompiledEntry {
  entry: AdmissionEntry;
  clientId: WildcardPattern;
  address?: WildcardPattern;
}

function parseEntry(text: string, file: string, line: number): AdmissionEntry {
  // A `#` after whitespace starts a trailing comment (patterns never start with `#`).
  const words = text
    .replace(/\s#.*$/, '')
    .trim()
    .split(/\s+/);
  if (words[0] !== 'client') {
    throw new SecurityFileError(file, line, `unknown keyword '${words[0]}' (expected client)`);
  }
  const clientId = words[1];
  if (clientId === undefined) throw new SecurityFileError(file, line, '`client` without a ClientId pattern');
  const entry: AdmissionEntry = { clientId, line };
  for (let i = 2; i < words.length; i += 2) {
    const key = words[i]!;
    const value = words[i + 1];
    if (key !== 'address' && key !== 'user') {
      throw new SecurityFileError(file, line, `unknown option '${key}' (expected address or user)`);
    }
    if (value === undefined) throw new SecurityFileError(file, line, `'${key}' without a value`);
    if (entry[key] !== undefined) throw new SecurityFileError(file, line, `'${key}' given twice`);
    entry[key] = value;
  }
  return entry;
}

export class AdmissionList {
  private readonly entries: CompiledEntry[];

  constructor(
    readonly file: string,
    entries: AdmissionEntry[],
  ) {
    this.entries = entries.map((entry) => {
      const compiled: CompiledEntry = { entry, clientId: compileWildcard(entry.clientId) };
      if (entry.address !== undefined) compiled.address = compileWildcard(entry.address);
      return compiled;
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** A CONNECT: the first entry whose ClientId pattern (and address pattern, if any) matches. */
  admit(clientId: string, addressKey: string): AdmissionResult {
    for (const { entry, clientId: idPattern, address } of this.entries) {
      if (!idPattern.test(clientId)) continue;
      if (address !== undefined && !address.test(addressKey)) continue;
      return admitted(entry);
    }
    return { ok: false };
  }

  /** A QoS −1 PUBLISH (§6.8): the first entry with an address pattern matching the sender. */
  admitAddress(addressKey: string): AdmissionResult {
    for (const { entry, address } of this.entries) {
      if (address?.test(addressKey)) return admitted(entry);
    }
    return { ok: false };
  }
}

function admitted(entry: AdmissionEntry): AdmissionResult {
  return entry.user === undefined
    ? { ok: true, line: entry.line }
    : { ok: true, username: entry.user, line: entry.line };
}

export function parseAdmissionFile(text: string, file: string): AdmissionList {
  return new AdmissionList(
    file,
    meaningfulLines(text).map(({ line, text: entry }) => parseEntry(entry, file, line)),
  );
}

export function loadAdmissionFile(file: string): AdmissionList {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SecurityFileError(file, 0, `cannot read MQTT-SN admission file: ${(error as Error).message}`);
  }
  return parseAdmissionFile(text, file);
}
