/**
 * Limits with clear outcomes (DESIGN.md "Lengths", issue 4 "Limits") and malformed datagrams:
 * every bad datagram is logged naming the peer and the codec's error, counted, and never stops
 * the gateway. Both length forms are accepted (§5.2.1).
 */
import { describe, expect, it } from 'vitest';
import { ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { closeAfterEach } from '../../helpers/mqttsn/close-after-each.js';
import { type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

const bed = closeAfterEach();
const { clients, watchers } = bed;

async function setUp(
  gateway: Parameters<typeof startHarness>[0] = {},
): Promise<{ c: SnTestClient; w: MqttWatcher; h: Harness }> {
  const h = await startHarness(gateway);
  bed.harness = h;
  const w = await MqttWatcher.subscribe(h.mqtt.port, 'big/#');
  watchers.push(w);
  const c = await SnTestClient.open({ port: h.port });
  clients.push(c);
  return { c, w, h };
}

describe('08 limits and malformed datagrams (MQTT-SN §5.2)', () => {
  it('logs and counts every malformed datagram, naming the peer and the codec error; the client carries on', async () => {
    const { c, h } = await setUp();
    const bad = [
      Buffer.from([]), // empty
      Buffer.from([0x05]), // truncated header
      Buffer.from([0x02, 0x03]), // reserved MsgType
      Buffer.from([0x09, 0x0c, 0x00]), // truncated PUBLISH
      Buffer.from([0x03, 0x17, 0x00]), // PINGRESP with a trailing octet: wrong size
      Buffer.from([0x00, 0x16]), // Length 0
      Buffer.alloc(40, 0xff),
    ];
    for (const datagram of bad) c.send(datagram);
    expect(await c.connect('survivor')).toBe(ReturnCode.ACCEPTED);
    expect(h.gateway.stats().malformed).toBe(bad.length);
    const lines = h.logLines.filter((l) => l.includes('malformed datagram'));
    expect(lines).toHaveLength(bad.length);
    expect(lines.every((l) => l.includes(`udp:127.0.0.1:${c.localPort}`))).toBe(true);
    expect(lines.some((l) => l.includes('reserved'))).toBe(true);
  });

  it('answers a PUBLISH with a reserved TopicIdType from a connected client with PUBACK 0x02', async () => {
    const { c, h } = await setUp();
    await c.connect('bad-flags');
    // Length 9, PUBLISH, Flags QoS 1 + TopicIdType 0b11, TopicId 0x0001, MsgId 0x0005, "x"
    c.send(Buffer.from([0x08, 0x0c, 0x23, 0x00, 0x01, 0x00, 0x05, 0x78]));
    expect(await c.expect('PUBACK')).toMatchObject({ msgId: 5, returnCode: ReturnCode.INVALID_TOPIC_ID });
    expect(h.gateway.stats().malformed).toBe(1);
  });

  it('accepts the 3-octet length form and sends it back above 255 octets', async () => {
    const { c, w } = await setUp();
    await c.connect('big-1');
    const id = await c.register('big/one');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 2, topic: { type: 'name', name: 'big/one' } });
    await c.expect('SUBACK');
    const payload = Buffer.alloc(1000, 0x61);
    c.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id },
      msgId: 3,
      payload,
    });
    // The PUBACK waits for the store; the echo to our own subscription may come first.
    const both = [await c.next(), await c.next()];
    expect(both.map((p) => p.type).sort()).toEqual(['PUBACK', 'PUBLISH']);
    const echoed = both.find((p) => p.type === 'PUBLISH');
    expect(echoed?.type === 'PUBLISH' && echoed.payload.length).toBe(1000);
    const rawEcho = c.rawReceived.find((d) => d.length > 1000);
    expect(rawEcho?.[0]).toBe(0x01); // 3-octet Length form
    expect((await w.waitFor(1))[0]?.payload.length).toBe(1000);
  });

  it('does not send a message larger than maxMessageSize: counted and logged, the next one flows', async () => {
    const { c, w, h } = await setUp({ gateway: { maxMessageSize: 100 } });
    await c.connect('small');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'name', name: 'big/small' } });
    const { topicId } = await c.expect('SUBACK');
    await w.publish('big/small', 'x'.repeat(200), 1);
    await w.publish('big/small', 'fits', 1);
    const p = await c.expect('PUBLISH');
    expect(p.payload.toString()).toBe('fits');
    c.send({ type: 'PUBACK', topicId, msgId: p.msgId, returnCode: ReturnCode.ACCEPTED });
    expect(h.gateway.stats().oversized).toBe(1);
    expect(h.logLines.some((l) => l.includes('PUBLISH') && l.includes('not sent'))).toBe(true);
  });

  it('drops an incoming datagram larger than maxMessageSize, with a log line', async () => {
    const { c, h } = await setUp({ gateway: { maxMessageSize: 100 } });
    await c.connect('big-in');
    c.send({
      type: 'PUBLISH',
      dup: false,
      qos: 0,
      retain: false,
      topic: { type: 'short', name: 'bi' },
      msgId: 0,
      payload: Buffer.alloc(200),
    });
    c.send({ type: 'PINGREQ' });
    await c.expect('PINGRESP');
    expect(h.gateway.stats().oversized).toBe(1);
    expect(h.logLines.some((l) => l.includes('maxMessageSize'))).toBe(true);
  });

  it('refuses SUBSCRIBE by name once the topic table is full (SUBACK 0x01), wildcards still work', async () => {
    const { c } = await setUp({ gateway: { maxTopicsPerClient: 1 } });
    await c.connect('full');
    await c.register('one/topic');
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 5, topic: { type: 'name', name: 'two/topic' } });
    expect(await c.expect('SUBACK')).toMatchObject({ msgId: 5, returnCode: ReturnCode.CONGESTION });
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 0, msgId: 6, topic: { type: 'name', name: 'two/#' } });
    expect(await c.expect('SUBACK')).toMatchObject({ msgId: 6, returnCode: ReturnCode.ACCEPTED });
  });
});
