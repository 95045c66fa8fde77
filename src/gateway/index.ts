/**
 * The MQTT-SN v1.2 gateway (issue 4): every MQTT-SN client is a session of the embedded broker.
 *   const gw = await startMqttSnGateway({ gatewayId: 1 }, { broker, transports: [udp], logger, store });
 */
export { GatewayOptionsError } from './errors.js';
export { type GatewayDeps, type MqttSnGateway, startMqttSnGateway } from './gateway.js';
export {
  DEFAULT_GATEWAY_OPTIONS,
  type GatewayOptions,
  type GatewayStats,
  type PredefinedTopics,
} from './options.js';
