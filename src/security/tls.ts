/**
 * TLS settings from gateway.conf (certfile, keyfile, cafile, require_certificate,
 * use_identity_as_username, tls_version) as node:tls server options, and the client
 * certificate's identity. TLS 1.2 is the oldest version ever offered (issue 7).
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type TLSSocket, type TlsOptions } from 'node:tls';
import type { ConfigLocation, GatewayConfig, TlsVersion } from '../config/types.js';

export type TlsSettings = Pick<
  GatewayConfig,
  'certfile' | 'keyfile' | 'cafile' | 'requireCertificate' | 'useIdentityAsUsername' | 'tlsVersion'
> & { locations?: GatewayConfig['locations'] };

/** A TLS setting that cannot be used; names the key and where it was set. */
export class TlsSetupError extends Error {
  override readonly name = 'TlsSetupError';
  constructor(
    readonly key: string,
    readonly reason: string,
    readonly location?: ConfigLocation,
  ) {
    super(`${location === undefined ? '' : `${location.file}:${location.line}: `}${key}: ${reason}`);
  }
}

const MIN_VERSION: Record<TlsVersion, 'TLSv1.2' | 'TLSv1.3'> = { 'tlsv1.2': 'TLSv1.2', 'tlsv1.3': 'TLSv1.3' };

function readPem(settings: TlsSettings, field: 'certfile' | 'keyfile' | 'cafile'): Buffer | undefined {
  const path = settings[field];
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TlsSetupError(
      field,
      `cannot read ${path}: ${(error as Error).message}`,
      settings.locations?.[field],
    );
  }
}

/** node:tls server options; throws TlsSetupError naming the key when a file is missing or unreadable. */
export function tlsServerOptions(settings: TlsSettings): TlsOptions {
  const cert = readPem(settings, 'certfile');
  const key = readPem(settings, 'keyfile');
  if (cert === undefined || key === undefined) {
    throw new TlsSetupError(cert === undefined ? 'certfile' : 'keyfile', 'needed by a TLS listener');
  }
  const ca = readPem(settings, 'cafile');
  if (settings.requireCertificate && ca === undefined) {
    throw new TlsSetupError('require_certificate', 'needs cafile', settings.locations?.requireCertificate);
  }
  const options: TlsOptions = {
    cert,
    key,
    minVersion: MIN_VERSION[settings.tlsVersion],
    // A client certificate is asked for, and must chain to cafile, only with require_certificate
    // (mosquitto's behaviour); otherwise a client never has to show one.
    requestCert: settings.requireCertificate,
    rejectUnauthorized: settings.requireCertificate,
  };
  if (ca !== undefined) options.ca = ca;
  try {
    createSecureContext(options); // bad PEM or a key that does not match: fail at start, with the keys named
  } catch (error) {
    throw new TlsSetupError('certfile/keyfile', `unusable certificate or key: ${(error as Error).message}`);
  }
  return options;
}

/** The verified client certificate's Common Name, or undefined (none shown, or not verified). */
export function certificateIdentity(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}
