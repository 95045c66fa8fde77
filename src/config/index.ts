/** What other folders may use of src/config. */
export { ConfigError } from './errors.js';
export { defaultGatewayConfig, loadGatewayConfig, type ParseOptions, parseGatewayConfig } from './load.js';
export {
  ALL_CLIENTS,
  loadPredefinedTopics,
  type PredefinedTopic,
  PredefinedTopicTable,
  parsePredefinedTopics,
} from './predefined-topics.js';
export { type ConfigField, configFields, schema } from './schema.js';
export { udpOnAllAddresses } from './spec-types.js';
export type * from './types.js';
export { validateGatewayConfig } from './validate.js';
