import type { Role as GeneratorRole } from '../common/role.js';
import type { JobResult } from '../protocol.js';

export { OneShot } from '../common/role.js';

export type Role = GeneratorRole<JobResult>;

export function indices(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

export const HANDSHAKE_TIMEOUT_MS = 10_000;
