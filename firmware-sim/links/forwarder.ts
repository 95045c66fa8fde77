/**
 * A simulated MQTT-SN forwarder on UDP (§5.5): one socket towards the gateway, every sensor behind
 * it a wireless node with its own id. This is how 10,000 sensors share one address and port and
 * still are 10,000 clients to the gateway (which keys a forwarded client by peer + node id).
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { decapsulate, encapsulate, nodeIdFor } from './node-ids.js';
import {
  emptyNetworkCounters,
  type LossModel,
  type Network,
  type Receive,
  type SensorLink,
} from './types.js';
import { closeQuietly, PendingSends, type UdpEndpoint } from './udp.js';

const UDP_MTU = 65_507 - 256;

export interface ForwarderNetworkOptions {
  gateway: UdpEndpoint;
  sourceAddress?: string;
  loss: LossModel;
  onError(message: string): void;
}

export async function createForwarderNetwork(options: ForwarderNetworkOptions): Promise<Network> {
  const counters = emptyNetworkCounters();
  const receivers = new Map<number, Receive>();
  const socket = dgram.createSocket({ type: isIPv6(options.gateway.host) ? 'udp6' : 'udp4' });
  const { gateway, loss } = options;
  const sending = new PendingSends();
  socket.on('error', (error) => {
    counters.sendErrors++;
    options.onError(`forwarder: ${error.message}`);
  });
  socket.on('message', (datagram) => {
    counters.datagramsIn++;
    counters.octetsIn += datagram.length;
    const unwrapped = decapsulate(datagram);
    const receive = unwrapped ? receivers.get(unwrapped.index) : undefined;
    if (!unwrapped || !receive) {
      counters.unroutable++;
      return;
    }
    if (loss.dropDownlink(unwrapped.index)) {
      counters.droppedByLoss++;
      return;
    }
    receive(unwrapped.message, undefined);
  });
  await new Promise<void>((resolve, reject) => {
    const onBindError = (error: Error): void => {
      // Nothing else will close it: the caller never gets the network.
      void closeQuietly(socket).then(() => reject(error));
    };
    socket.once('error', onBindError);
    socket.bind({ port: 0, address: options.sourceAddress }, () => {
      socket.off('error', onBindError);
      resolve();
    });
  });
  // Many sensors, one socket: give it room for bursts (best effort; the kernel may cap it).
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
    socket.setSendBufferSize(4 * 1024 * 1024);
  } catch {
    // Keep the defaults.
  }

  const attach = async (index: number, receive: Receive): Promise<SensorLink> => {
    const nodeId = nodeIdFor(index);
    receivers.set(index, receive);
    const send = (data: Buffer): void => {
      const wrapped = encapsulate(nodeId, data);
      counters.datagramsOut++;
      counters.octetsOut += wrapped.length;
      if (loss.dropUplink(index)) {
        counters.droppedByLoss++;
        return;
      }
      sending.started();
      socket.send(wrapped, gateway.port, gateway.host, (error) => {
        sending.finished();
        if (error) {
          counters.sendErrors++;
          options.onError(`forwarder node ${nodeId.toString('hex')}: ${error.message}`);
        }
      });
    };
    // The forwarder relays a broadcast SEARCHGW to its gateway like any other message.
    return { mtu: UDP_MTU, send, broadcast: send, adoptGateway: () => {} };
  };

  return {
    name: `udp forwarder -> ${gateway.host}:${gateway.port}`,
    counters,
    attach,
    close: async () => {
      receivers.clear();
      await sending.drained();
      await closeQuietly(socket);
    },
  };
}
