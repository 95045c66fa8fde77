/**
 * Gateway discovery (MQTT-SN §6.1): periodic ADVERTISE on the transport's broadcast address,
 * SEARCHGW answered by GWINFO (unicast to the searcher, see src/gateway/discovery.ts), also to a
 * node behind a forwarder (§5.5).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let harness: Harness | undefined;
const clients: SnTestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await harness?.close();
  harness = undefined;
});

describe('10 discovery (MQTT-SN §6.1)', () => {
  it('broadcasts ADVERTISE with its gateway id and the interval as Duration, periodically', async () => {
    // The "broadcast" address is a listening test socket, so the test needs no real broadcast.
    const listener = await SnTestClient.open({ port: 9 });
    clients.push(listener);
    harness = await startHarness({
      gateway: { gatewayId: 7, advertiseInterval: 0.2 },
      broadcast: { address: '127.0.0.1', port: listener.localPort },
    });
    const first = await listener.expect('ADVERTISE');
    const second = await listener.expect('ADVERTISE');
    for (const advertise of [first, second])
      expect(advertise).toEqual({ type: 'ADVERTISE', gwId: 7, duration: 1 });
  });

  it('sends no ADVERTISE when advertiseInterval is 0', async () => {
    const listener = await SnTestClient.open({ port: 9 });
    clients.push(listener);
    harness = await startHarness({
      gateway: { advertiseInterval: 0 },
      broadcast: { address: '127.0.0.1', port: listener.localPort },
    });
    expect(await listener.drain(300)).toEqual([]);
  });

  it('answers SEARCHGW from a node behind a forwarder with a wrapped GWINFO', async () => {
    harness = await startHarness({ gateway: { gatewayId: 3 } });
    const node = await SnTestClient.open({ port: harness.port, nodeId: Buffer.from([0xab]) });
    clients.push(node);
    node.send({ type: 'SEARCHGW', radius: 0 });
    expect(await node.expect('GWINFO')).toMatchObject({ gwId: 3 });
    expect(node.rawReceived[0]?.[1]).toBe(0xfe);
  });
});
