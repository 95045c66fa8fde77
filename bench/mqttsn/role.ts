import type { Role as GeneratorRole } from '../common/role.js';
import type { JobResult } from './protocol.js';

export { OneShot } from '../common/role.js';

export type Role = GeneratorRole<JobResult>;
