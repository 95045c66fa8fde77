/** MQTT.js clients for tests, closed reliably. */
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';

export async function mqttjs(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ...options,
  });
}

export interface ReceivedMessage {
  topic: string;
  payload: string;
  retain: boolean;
  qos: number;
}

/**
 * Connects like `mqttjs` and also returns the CONNACK (session present, v5 properties) and every
 * message received from the first byte on: a resumed session's queue may arrive in the same
 * read as the CONNACK, before a listener added after connecting would see it.
 */
export async function mqttjsWithConnack(
  port: number,
  options: IClientOptions = {},
): Promise<{ client: MqttClient; connack: IConnackPacket; received: ReceivedMessage[] }> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ...options,
  });
  const received: ReceivedMessage[] = [];
  client.on('message', (topic, payload, packet) => {
    received.push({ topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos });
  });
  try {
    const connack = await new Promise<IConnackPacket>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed before CONNACK')));
    });
    return { client, connack, received };
  } catch (error) {
    client.end(true);
    throw error;
  }
}

/** Resolves once `received` holds `count` messages, or rejects after `ms`. */
export async function waitForMessages(received: ReceivedMessage[], count: number, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (received.length < count) {
    if (Date.now() > deadline)
      throw new Error(
        `only ${received.length}/${count} messages within ${ms} ms: ${JSON.stringify(received)}`,
      );
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the first `count` messages (topic, payload text, packet) or rejects after `ms`. */
export function collect(
  client: MqttClient,
  count: number,
  ms = 3000,
): Promise<Array<{ topic: string; payload: string; retain: boolean; qos: number }>> {
  return new Promise((resolve, reject) => {
    const got: Array<{ topic: string; payload: string; retain: boolean; qos: number }> = [];
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`only ${got.length}/${count} messages within ${ms} ms: ${JSON.stringify(got)}`));
    }, ms);
    const onMessage = (topic: string, payload: Buffer, packet: { retain: boolean; qos: number }): void => {
      got.push({ topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos });
      if (got.length === count) {
        clearTimeout(timer);
        client.off('message', onMessage);
        resolve(got);
      }
    };
    client.on('message', onMessage);
  });
}

export async function endAll(...clients: Array<MqttClient | undefined>): Promise<void> {
  await Promise.all(clients.map((c) => (c === undefined ? undefined : c.endAsync(true))));
}
