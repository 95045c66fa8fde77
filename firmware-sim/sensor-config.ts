/** What one simulated sensor is told at power-on (its "firmware configuration"). */
import type { PublishQoS } from '../src/codec/mqttsn/index.js';

/** How readings are addressed (MQTT-SN §6.5, §6.7): a name to REGISTER, a predefined id, a short name. */
export type TopicChoice =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'predefined'; readonly id: number }
  | { readonly kind: 'short'; readonly name: string };

export interface WillConfig {
  readonly topic: string;
  readonly message: string;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
}

export interface SensorConfig {
  /** ClientId, also `{id}` in topic templates. */
  readonly clientId: string;
  readonly qos: PublishQoS;
  readonly topic: TopicChoice;
  /** Subscribed at QoS 1 after CONNECT (not with QoS −1, which never connects). */
  readonly commandTopic: string;
  /** Battery level topic (registered like the reading topic); undefined = not published. */
  readonly batteryTopic: string | undefined;
  /** Publish the battery level every N readings (0 = never). */
  readonly batteryEvery: number;
  /** Seconds between readings. */
  readonly intervalSeconds: number;
  /** Sleep duration sent in DISCONNECT (§6.14); 0 = never sleeps. */
  readonly sleepSeconds: number;
  /** CONNECT Duration (§5.4.4); 0 = no keep-alive. */
  readonly keepAliveSeconds: number;
  readonly cleanSession: boolean;
  readonly will: WillConfig | undefined;
  /** Find the gateway with SEARCHGW (§6.1) instead of using the configured address. */
  readonly discover: boolean;
  /** T_retry in seconds and N_retry (§6.13, §7.2). */
  readonly tRetrySeconds: number;
  readonly nRetry: number;
  /** T_WAIT after a "rejected: congestion" (§6.5, §6.6); the spec suggests > 5 min, demos want less. */
  readonly tWaitSeconds: number;
  /** Readings to send before the sensor is done; undefined = until stopped. */
  readonly count: number | undefined;
  /** Milliseconds after the fleet starts before this sensor powers on (spreads the connect burst). */
  readonly startDelayMs: number;
  /** Battery capacity, mAh. */
  readonly batteryMah: number;
}

/** `{id}` in a template becomes the ClientId: `sensors/{id}/temperature` → `sensors/sensor-7/temperature`. */
export function expandTemplate(template: string, clientId: string): string {
  return template.replaceAll('{id}', clientId);
}
