/**
 * The topics a sensor publishes on and the ids the gateway gave them (REGACK, MQTT-SN §6.5):
 * readings on a registered name, a predefined id or a short name (§6.7); battery levels on a
 * registered name.
 */
import type { PublishTopic } from '../src/codec/mqttsn/index.js';
import type { SensorConfig } from './sensor-config.js';
import type { Outgoing } from './sensor-state.js';

export class PublishTopics {
  private readonly ids = new Map<string, number>();

  constructor(private readonly config: SensorConfig) {}

  /** Names that need a REGISTER before use. */
  names(): string[] {
    const names: string[] = [];
    if (this.config.topic.kind === 'name') names.push(this.config.topic.name);
    if (this.config.batteryTopic !== undefined && this.config.batteryEvery > 0)
      names.push(this.config.batteryTopic);
    return names;
  }

  firstUnregistered(): string | undefined {
    return this.names().find((name) => !this.ids.has(name));
  }

  /** The name an outgoing message needs registered; undefined for predefined/short readings. */
  nameFor(item: Outgoing): string | undefined {
    if (item.stream === 'battery') return this.config.batteryTopic;
    return this.config.topic.kind === 'name' ? this.config.topic.name : undefined;
  }

  /** Where an outgoing message is published; undefined while its name is not registered. */
  topicFor(item: Outgoing): PublishTopic | undefined {
    const choice = this.config.topic;
    if (item.stream === 'reading' && choice.kind === 'predefined')
      return { type: 'predefined', id: choice.id };
    if (item.stream === 'reading' && choice.kind === 'short') return { type: 'short', name: choice.name };
    const name = this.nameFor(item);
    const id = name === undefined ? undefined : this.ids.get(name);
    return id === undefined ? undefined : { type: 'normal', id };
  }

  registered(name: string, topicId: number): void {
    this.ids.set(name, topicId);
  }

  forgetName(name: string): void {
    this.ids.delete(name);
  }

  /** PUBACK "invalid topic id" (§6.6): register that name again before using it. */
  forgetId(topicId: number): void {
    for (const [name, id] of this.ids) if (id === topicId) this.ids.delete(name);
  }

  clear(): void {
    this.ids.clear();
  }
}
