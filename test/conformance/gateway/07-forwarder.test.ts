/**
 * Forwarder encapsulation (MQTT-SN §5.5): each wireless node id behind a forwarder is a client of
 * its own (address = forwarder address + node id); replies go back wrapped, to the right node.
 */

import { describe, expect, it } from 'vitest';
import { decode, ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { closeAfterEach } from '../../helpers/mqttsn/close-after-each.js';
import { MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

const bed = closeAfterEach();
const { clients, watchers } = bed;

describe('07 forwarder encapsulation (MQTT-SN §5.5)', () => {
  it('two nodes behind one forwarder socket are two clients; replies are wrapped with their node id', async () => {
    const h = await startHarness();
    bed.harness = h;
    const w = await MqttWatcher.subscribe(h.mqtt.port, 'fwd/#');
    watchers.push(w);
    const node1 = await SnTestClient.open({ port: h.port, nodeId: Buffer.from([0x00, 0x13, 0xa2, 0x01]) });
    clients.push(node1);
    expect(await node1.connect('node-1')).toBe(ReturnCode.ACCEPTED);
    const wrapped = node1.rawReceived.at(-1);
    const outer = wrapped === undefined ? undefined : decode(wrapped);
    expect(
      outer?.ok && outer.packet.type === 'ENCAPSULATED' && outer.packet.wirelessNodeId.toString('hex'),
    ).toBe('0013a201');

    // A second node on the SAME socket: the forwarder relays it with another node id.
    const node2 = await SnTestClient.open({ port: h.port, nodeId: Buffer.from([0x02]) });
    clients.push(node2);
    expect(await node2.connect('node-2')).toBe(ReturnCode.ACCEPTED);
    expect(h.gateway.stats().clients.active).toBe(2);

    const id1 = await node1.register('fwd/node-1');
    node1.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: id1 },
      msgId: 3,
      payload: Buffer.from('via forwarder'),
    });
    expect((await node1.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    expect((await w.waitFor(1))[0]).toMatchObject({ topic: 'fwd/node-1', payload: 'via forwarder' });

    // Node 2 has not registered anything: the id is node 1's only (§7.3).
    node2.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: id1 },
      msgId: 4,
      payload: Buffer.from('x'),
    });
    expect((await node2.expect('PUBACK')).returnCode).toBe(ReturnCode.INVALID_TOPIC_ID);
  });

  it('delivers to a node behind a forwarder, wrapped (REGISTER + PUBLISH for a wildcard)', async () => {
    const h = await startHarness();
    bed.harness = h;
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
    watchers.push(pub);
    const node = await SnTestClient.open({ port: h.port, nodeId: Buffer.from('n7') });
    clients.push(node);
    await node.connect('node-7');
    node.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'name', name: 'act/#' } });
    await node.expect('SUBACK');
    await pub.publish('act/valve', 'open');
    const reg = await node.expect('REGISTER');
    node.send({ type: 'REGACK', topicId: reg.topicId, msgId: reg.msgId, returnCode: ReturnCode.ACCEPTED });
    expect((await node.expect('PUBLISH')).payload.toString()).toBe('open');
    expect(node.rawReceived.every((d) => d[1] === 0xfe)).toBe(true);
  });

  it('a malformed message inside an encapsulation is logged against its node, and the node still works', async () => {
    const h = await startHarness();
    bed.harness = h;
    const node = await SnTestClient.open({ port: h.port, nodeId: Buffer.from([9]) });
    clients.push(node);
    node.send(Buffer.from([0x03, 0x03, 0x00])); // reserved MsgType 0x03
    expect(await node.connect('node-9')).toBe(ReturnCode.ACCEPTED);
    expect(h.gateway.stats().malformed).toBe(1);
    expect(h.logLines.some((l) => l.includes('/node:09') && l.includes('reserved'))).toBe(true);
  });
});
