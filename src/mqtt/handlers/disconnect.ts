/**
 * DISCONNECT from the client (MQTT 3.1.1 §3.14, MQTT 5 §3.14): the will is discarded
 * [MQTT-3.14.4-3] unless a v5 client asks for it with reason 0x04; a v5 client may change its
 * session expiry, but not from 0 to non-zero [MQTT-3.14.2-2].
 */
import type { IDisconnectPacket } from 'mqtt-packet';
import { type DisconnectOptions, ReasonCode } from '../../broker/types.js';
import type { MqttConnection } from '../connection.js';
import { MqttProtocolError } from '../errors.js';

export function handleDisconnect(conn: MqttConnection, packet: IDisconnectPacket): void {
  const options: DisconnectOptions = { publishWill: false };
  if (conn.protocolVersion === 5) {
    options.publishWill = packet.reasonCode === ReasonCode.DisconnectWithWill;
    const expiry = packet.properties?.sessionExpiryInterval;
    if (expiry !== undefined) {
      if (conn.sessionExpiry === 0 && expiry !== 0) {
        throw new MqttProtocolError(ReasonCode.ProtocolError, 'session expiry raised from 0 [MQTT-3.14.2-2]');
      }
      options.sessionExpiry = expiry;
    }
  }
  const session = conn.session;
  conn.session = undefined;
  session?.disconnect(options);
  conn.logger.info(`Client ${conn.clientId} disconnected.`);
  conn.terminate(false);
}
