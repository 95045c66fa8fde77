/**
 * WILLTOPICUPD / WILLMSGUPD (MQTT-SN §6.4), which Paho answers with "not supported" (paho #191):
 * the will is replaced in the core (session.setWill) and acknowledged. An empty WILLTOPICUPD
 * deletes topic and message; a WILLMSGUPD without a will topic is refused with 0x03.
 */
import { ReturnCode, type WillMsgUpdPacket, type WillTopicUpdPacket } from '../../codec/mqttsn/index.js';
import { attachedSession } from '../client-state.js';
import { type GatewayContext, send } from '../context.js';
import { SnRejection } from '../errors.js';
import { saveClientState } from '../gateway-state.js';
import { isValidTopicName } from '../topic-registry.js';
import type { ConnectedInbound } from './types.js';

export function handleWillTopicUpd(
  ctx: GatewayContext,
  { endpoint, client, packet }: ConnectedInbound<WillTopicUpdPacket>,
): void {
  const session = attachedSession(client.state);
  if (packet.will === null) {
    client.will = undefined;
  } else {
    if (!isValidTopicName(packet.will.topic)) {
      throw new SnRejection(
        ReturnCode.NOT_SUPPORTED,
        `will topic ${JSON.stringify(packet.will.topic)} is not a valid topic name`,
      );
    }
    const { topic, qos, retain } = packet.will;
    client.will = { topic, qos, retain, payload: client.will?.payload ?? Buffer.alloc(0) };
  }
  session?.setWill(client.will);
  saveClientState(ctx, client);
  send(ctx, endpoint, { type: 'WILLTOPICRESP', returnCode: ReturnCode.ACCEPTED });
}

export function handleWillMsgUpd(
  ctx: GatewayContext,
  { endpoint, client, packet }: ConnectedInbound<WillMsgUpdPacket>,
): void {
  if (client.will === undefined) {
    throw new SnRejection(
      ReturnCode.NOT_SUPPORTED,
      'WILLMSGUPD without a will topic (send WILLTOPICUPD first)',
    );
  }
  client.will = { ...client.will, payload: packet.willMsg };
  attachedSession(client.state)?.setWill(client.will);
  saveClientState(ctx, client);
  send(ctx, endpoint, { type: 'WILLMSGRESP', returnCode: ReturnCode.ACCEPTED });
}
