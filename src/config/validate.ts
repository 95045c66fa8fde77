/**
 * Checks that need several keys at once (a TLS listener needs a certificate …). Errors name the
 * line of the key that asks for the missing piece.
 */
import { ConfigError } from './errors.js';
import type { ConfigField } from './schema.js';
import { schema } from './schema.js';
import type { GatewayConfig } from './types.js';

export function validateGatewayConfig(config: GatewayConfig, file: string): void {
  const fail = (field: ConfigField, detail: string): never => {
    const line = config.locations[field]?.line ?? 0;
    throw new ConfigError(file, line, schema[field].name, detail);
  };
  for (const field of ['tlsListeners', 'wssListeners'] as const) {
    if (config[field].length > 0 && (config.certfile === undefined || config.keyfile === undefined)) {
      fail(field, 'needs certfile and keyfile');
    }
  }
  if (config.certfile !== undefined && config.keyfile === undefined)
    fail('certfile', 'needs keyfile as well');
  if (config.keyfile !== undefined && config.certfile === undefined)
    fail('keyfile', 'needs certfile as well');
  if (config.requireCertificate && config.cafile === undefined) {
    fail('requireCertificate', 'needs cafile (the CA that client certificates must chain to)');
  }
  if (config.useIdentityAsUsername && !config.requireCertificate) {
    fail('useIdentityAsUsername', 'needs require_certificate true');
  }
  const devices = new Set<string>();
  for (const line of config.serial) {
    if (devices.has(line.device)) fail('serial', `device ${line.device} is listed twice`);
    devices.add(line.device);
  }
}

/** The TLS listener's default port (issue 7; IANA's secure-mqtt port, as on mosquitto). */
export const DEFAULT_TLS_PORT = 8883;

/**
 * A certificate and key without any TLS or secure WebSocket listener mean "serve TLS": on 8883,
 * the port every MQTT user expects, rather than silently serving nothing encrypted.
 */
export function withTlsDefaultListener(config: GatewayConfig): GatewayConfig {
  const hasCertificate = config.certfile !== undefined && config.keyfile !== undefined;
  if (!hasCertificate || config.tlsListeners.length > 0 || config.wssListeners.length > 0) return config;
  return { ...config, tlsListeners: [{ port: DEFAULT_TLS_PORT }] };
}
