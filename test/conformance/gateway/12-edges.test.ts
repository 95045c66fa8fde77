/**
 * Edges: maxInflight > 1 refused at start-up (one outstanding on the air, §6.6),
 * UNSUBSCRIBE by predefined id and short name (§6.9), a QoS 2 flow across a sleep (§6.14), an MQTT
 * client taking the ClientId over (the SN client gets DISCONNECT, §6.12), a bad will topic (§6.2).
 */
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createBroker } from '../../../src/broker/index.js';
import { ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { GatewayOptionsError, startMqttSnGateway } from '../../../src/gateway/index.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { createUdpTransport } from '../../../src/transport/udp.js';
import { closeAfterEach } from '../../helpers/mqttsn/close-after-each.js';
import { FAST, type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

const bed = closeAfterEach();
const { clients, watchers } = bed;

async function setUp(
  options: Parameters<typeof startHarness>[0] = {},
): Promise<{ c: SnTestClient; pub: MqttWatcher; h: Harness }> {
  const h = await startHarness(options);
  bed.harness = h;
  const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
  watchers.push(pub);
  const c = await SnTestClient.open({ port: h.port });
  clients.push(c);
  return { c, pub, h };
}

describe('12 edges', () => {
  it('maxInflight 3 is refused at start-up with a clear error (one outstanding per client, §6.5, §6.6)', async () => {
    const broker = createBroker({ sysInterval: 0 }, { logger: silentLogger });
    const udp = createUdpTransport({ port: 0, host: '127.0.0.1' }, silentLogger);
    try {
      const starting = startMqttSnGateway(
        { ...FAST, maxInflight: 3 },
        { broker, transports: [udp], logger: silentLogger },
      );
      await expect(starting).rejects.toBeInstanceOf(GatewayOptionsError);
      await expect(starting).rejects.toThrow(/maxInflight.*is 3: only 1 is supported/);
    } finally {
      await udp.close();
      await broker.close();
    }
  });

  it('UNSUBSCRIBE by predefined id and by short name', async () => {
    const { c, pub } = await setUp({ gateway: { predefinedTopics: new Map([[4, 'pre/four']]) } });
    await c.connect('unsub');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 1, topic: { type: 'predefined', id: 4 } });
    await c.expect('SUBACK');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 2, topic: { type: 'short', name: 'sh' } });
    await c.expect('SUBACK');
    c.send({ type: 'UNSUBSCRIBE', msgId: 3, topic: { type: 'predefined', id: 4 } });
    await c.expect('UNSUBACK');
    c.send({ type: 'UNSUBSCRIBE', msgId: 4, topic: { type: 'short', name: 'sh' } });
    await c.expect('UNSUBACK');
    await pub.publish('pre/four', 'x');
    await pub.publish('sh', 'y');
    expect(await c.drain(150)).toEqual([]);
  });

  it('a QoS 2 delivery interrupted by sleep resumes at wake-up without a duplicate for the application', async () => {
    const { c, pub } = await setUp();
    await c.connect('q2sleep', { cleanSession: false });
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 2, msgId: 1, topic: { type: 'name', name: 'q2/s' } });
    await c.expect('SUBACK');
    await pub.publish('q2/s', 'once', 2);
    const p = await c.expect('PUBLISH');
    c.send({ type: 'PUBREC', msgId: p.msgId });
    await c.expect('PUBREL');
    c.send({ type: 'DISCONNECT', duration: 60 }); // asleep before PUBCOMP
    await c.expect('DISCONNECT');
    c.send({ type: 'PINGREQ', clientId: 'q2sleep' });
    const rel = await c.expect('PUBREL'); // the flow goes on with PUBREL, not the PUBLISH again
    expect(rel.msgId).toBe(p.msgId);
    c.send({ type: 'PUBCOMP', msgId: rel.msgId });
    await c.expect('PINGRESP');
  });

  it('an MQTT client taking the ClientId over ends the MQTT-SN link with DISCONNECT', async () => {
    const { c, h } = await setUp();
    await c.connect('shared-id');
    const tcp = await mqtt.connectAsync(`mqtt://127.0.0.1:${h.mqtt.port}`, {
      clientId: 'shared-id',
      reconnectPeriod: 0,
    });
    try {
      await c.expect('DISCONNECT');
      expect(h.gateway.stats().clients.active).toBe(0);
    } finally {
      await tcp.endAsync(true);
    }
  });

  it('a will topic with wildcards ends the handshake with CONNACK 0x03', async () => {
    const { c } = await setUp();
    c.send({ type: 'CONNECT', will: true, cleanSession: true, duration: 60, clientId: 'badwill' });
    await c.expect('WILLTOPICREQ');
    c.send({ type: 'WILLTOPIC', will: { topic: 'wills/#', qos: 0, retain: false } });
    expect((await c.expect('CONNACK')).returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    expect(await c.connect('badwill')).toBe(ReturnCode.ACCEPTED);
  });
});
