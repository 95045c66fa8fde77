/**
 * Who may connect over MQTT: allow_anonymous, password_file and use_identity_as_username,
 * decided the way mosquitto 2.0 decides them.
 * - A verified client certificate with use_identity_as_username: its CN is the username, the
 *   CONNECT's username and password are ignored.
 * - A username with a password file: the password must match (mosquitto_passwd hashes); a wrong
 *   password and an unknown user get the same answer, BadUserNameOrPassword (v5 0x86, 3.1.1 rc 4).
 * - A username without a password file: taken as given (mosquitto does the same; set a password
 *   file whenever usernames carry rights in the ACL).
 * - No username: allowed with allow_anonymous, else NotAuthorized (v5 0x87, 3.1.1 rc 5).
 * A password is never logged; `why` says what failed without it.
 */
import { ReasonCode } from '../broker/types.js';
import type { PasswordFile } from './password-file.js';

export interface AuthenticationRequest {
  clientId: string;
  username?: string;
  password?: Buffer;
  /** CN of the client certificate, when TLS verified one (require_certificate). */
  certificateIdentity?: string;
  /** For log lines. */
  peer: string;
}

export type AuthenticationResult =
  | { ok: true; username?: string }
  | { ok: false; reason: ReasonCode.BadUserNameOrPassword | ReasonCode.NotAuthorized; why: string };

export type Authenticate = (request: AuthenticationRequest) => AuthenticationResult;

export interface AuthenticatorOptions {
  allowAnonymous: boolean;
  passwords?: PasswordFile;
  useIdentityAsUsername: boolean;
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticate {
  return (request) => {
    if (options.useIdentityAsUsername && request.certificateIdentity !== undefined) {
      return { ok: true, username: request.certificateIdentity };
    }
    if (request.username === undefined) {
      return options.allowAnonymous
        ? { ok: true }
        : { ok: false, reason: ReasonCode.NotAuthorized, why: 'anonymous clients are not allowed' };
    }
    const passwords = options.passwords;
    if (passwords === undefined) return { ok: true, username: request.username };
    if (!passwords.checkSync(request.username, request.password)) {
      return {
        ok: false,
        reason: ReasonCode.BadUserNameOrPassword,
        why:
          request.password === undefined
            ? `no password given for user '${request.username}'`
            : `bad username or password for user '${request.username}'`,
      };
    }
    return { ok: true, username: request.username };
  };
}
