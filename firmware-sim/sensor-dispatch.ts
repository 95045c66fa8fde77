/**
 * What a sensor does with each message the gateway sends: answers to its open request go to the
 * exchange (exchange.ts); the rest — PUBLISH and PUBREL (sensor-inbox.ts), REGISTER (§6.10), the
 * gateway's PINGREQ (§6.11), will prompts asked again (§6.2), a DISCONNECT it did not ask for
 * (§6.12), a PUBACK rejecting a QoS 0 PUBLISH (§6.6) — is handled here.
 */
import { type MqttSnPacket, type PublishQoS, ReturnCode } from '../src/codec/mqttsn/index.js';
import type { Logger } from '../src/observe/logger.js';
import type { Exchange } from './exchange.js';
import type { Origin } from './links/types.js';
import type { SensorConfig } from './sensor-config.js';
import type { Inbox } from './sensor-inbox.js';
import type { Radio } from './sensor-radio.js';
import type { SessionSetup } from './sensor-session.js';
import type { SensorState } from './sensor-state.js';
import type { PublishTopics } from './sensor-topics.js';
import type { GroupStats } from './stats.js';

export interface DispatchHost {
  readonly config: SensorConfig;
  readonly logger: Logger;
  readonly stats: GroupStats;
  readonly exchange: Exchange;
  readonly inbox: Inbox;
  readonly topics: PublishTopics;
  readonly radio: Radio;
  readonly session: SessionSetup;
  state(): SensorState;
  qos(): PublishQoS;
  stopping(): boolean;
  enterStopped(): void;
  hold(seconds: number): void;
  /** A PUBLISH accepted (not a duplicate): counted, handed to hooks and commands by the sensor. */
  deliver(topic: string, payload: Buffer): void;
}

export function dispatchFromGateway(packet: MqttSnPacket, origin: Origin, host: DispatchHost): void {
  const { exchange, inbox, stats } = host;
  if (host.state().kind === 'awake' && packet.type !== 'PINGRESP') exchange.restartTimer();
  switch (packet.type) {
    case 'PUBLISH': {
      const result = inbox.onPublish(packet);
      if (result.kind === 'duplicate') stats.counters.duplicates++;
      if (result.kind === 'deliver') host.deliver(result.topic, result.payload);
      return;
    }
    case 'PUBREL':
      inbox.onPubrel(packet.msgId);
      return;
    case 'REGISTER':
      stats.counters.gatewayRegisters++;
      inbox.onRegister(packet);
      return;
    case 'PINGREQ':
      host.radio.transmit({ type: 'PINGRESP' }); // §6.11
      return;
    case 'GWINFO':
    case 'ADVERTISE':
      if (host.state().kind === 'searching') host.radio.adoptGateway(origin);
      exchange.offer(packet);
      return;
    case 'WILLTOPICREQ':
    case 'WILLMSGREQ':
      // The gateway asks again (our answer was lost): answer again.
      if (host.state().kind !== 'connecting') return;
      if (exchange.offer(packet)) return;
      host.session.answerWillPrompt(packet.type);
      return;
    case 'DISCONNECT':
      if (exchange.offer(packet)) return;
      onGatewayDisconnect(host);
      return;
    case 'PUBACK':
      if (exchange.offer(packet)) return;
      // A rejection of a QoS 0 PUBLISH (§6.6: "regardless of the QoS level").
      onUnsolicitedPuback(host, packet.topicId, packet.returnCode);
      return;
    default:
      exchange.offer(packet);
  }
}

function onUnsolicitedPuback(host: DispatchHost, topicId: number, returnCode: number): void {
  if (returnCode === ReturnCode.ACCEPTED) return;
  host.stats.counters.rejected++;
  if (returnCode === ReturnCode.CONGESTION) host.hold(host.config.tWaitSeconds);
  if (returnCode !== ReturnCode.INVALID_TOPIC_ID) return;
  host.topics.forgetId(topicId);
}

/** §6.12: an unsolicited DISCONNECT means the gateway does not know us: connect again. */
function onGatewayDisconnect(host: DispatchHost): void {
  const state = host.state();
  // A QoS −1 sensor never connected (§6.8): nothing to set up again.
  if (state.kind === 'off' || state.kind === 'stopped' || host.qos() === -1) return;
  host.stats.counters.gatewayDisconnects++;
  host.logger.info(
    `${host.config.clientId}: DISCONNECT from the gateway in state ${state.kind}; reconnecting`,
  );
  host.exchange.cancel();
  if (host.stopping()) {
    host.enterStopped();
    return;
  }
  host.session.reset();
  host.session.connect(false);
}
