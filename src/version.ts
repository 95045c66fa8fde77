/**
 * The package's version, read from the package.json above this file: one level up from src
 * when run from the sources, two from dist/src when built.
 */
import { readFileSync } from 'node:fs';

const PACKAGE_NAME = 'mqttsn-gateway';

export function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    const version = readVersion(new URL(relative, import.meta.url));
    if (version !== undefined) return version;
  }
  return '0.0.0';
}

function readVersion(url: URL): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { name, version } = parsed as { name?: unknown; version?: unknown };
    return name === PACKAGE_NAME && typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}
