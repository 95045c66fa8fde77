/** The broker core's public surface: createBroker and the contract types. */
import { Broker } from './broker.js';
import type { CreateBroker } from './types.js';

export * from './types.js';
export { Broker };

export const createBroker: CreateBroker = (options, deps) => new Broker(options, deps);
