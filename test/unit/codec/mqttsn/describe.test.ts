/** describe(): the one-line packet trace of `-v`. */
import { expect, describe as group, it } from 'vitest';
import { decode, describe, describeError, type MqttSnPacket } from '../../../../src/codec/mqttsn/index.js';
import { hex } from './helpers.js';

const cases: [MqttSnPacket, string][] = [
  [
    {
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id: 1 },
      msgId: 7,
      payload: Buffer.from('hello'),
    },
    'PUBLISH (d0 q1 r0 topicId=1 msgId=7, 5 bytes)',
  ],
  [
    {
      type: 'PUBLISH',
      dup: true,
      qos: -1,
      retain: true,
      topic: { type: 'short', name: 'ab' },
      msgId: 0,
      payload: Buffer.from('x'),
    },
    'PUBLISH (d1 q-1 r1 shortTopic="ab" msgId=0, 1 byte)',
  ],
  [
    { type: 'CONNECT', will: true, cleanSession: false, duration: 60, clientId: 'sensor1' },
    'CONNECT (will=1 clean=0 duration=60 clientId="sensor1")',
  ],
  [{ type: 'CONNACK', returnCode: 1 }, 'CONNACK (rc=0x01 congestion)'],
  [
    { type: 'PUBACK', topicId: 3, msgId: 9, returnCode: 2 },
    'PUBACK (topicId=3 msgId=9 rc=0x02 invalid topic id)',
  ],
  [
    { type: 'SUBSCRIBE', dup: false, qos: 2, msgId: 4, topic: { type: 'name', name: 'a/#' } },
    'SUBSCRIBE (d0 q2 msgId=4 topic="a/#")',
  ],
  [
    { type: 'UNSUBSCRIBE', msgId: 4, topic: { type: 'predefined', id: 12 } },
    'UNSUBSCRIBE (msgId=4 predefinedId=12)',
  ],
  [{ type: 'WILLTOPIC', will: null }, 'WILLTOPIC (empty: delete will)'],
  [{ type: 'WILLTOPICUPD', will: { qos: 1, retain: true, topic: 'w' } }, 'WILLTOPICUPD (q1 r1 topic="w")'],
  [{ type: 'PINGREQ' }, 'PINGREQ'],
  [{ type: 'PINGREQ', clientId: 's1' }, 'PINGREQ (clientId="s1")'],
  [{ type: 'DISCONNECT', duration: 30 }, 'DISCONNECT (duration=30)'],
  [{ type: 'GWINFO', gwId: 1, gwAdd: hex('7f000001') }, 'GWINFO (gwId=1 gwAdd=7f000001)'],
  [
    { type: 'ENCAPSULATED', radius: 0, wirelessNodeId: hex('0a0b'), inner: hex('0216') },
    'ENCAPSULATED (radius=0 nodeId=0a0b, PINGREQ)',
  ],
  [
    { type: 'ENCAPSULATED', radius: 1, wirelessNodeId: hex('01'), inner: hex('0203') },
    'ENCAPSULATED (radius=1 nodeId=01, undecodable 2 bytes)',
  ],
];

group('describe', () => {
  it.each(cases)('%# %s', (packet, text) => {
    expect(describe(packet)).toBe(text);
  });

  it('quotes strings safely and cuts long ones', () => {
    const text = describe({ type: 'REGISTER', topicId: 0, msgId: 1, topicName: `a\n${'x'.repeat(100)}` });
    expect(text).toContain('topicName="a\\n');
    expect(text).toContain('…"');
    expect(text.length).toBeLessThan(120);
  });

  it('describeError names the kind and the reason', () => {
    const result = decode(hex('03 03 00'));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(describeError(result.error)).toBe('reserved-type: MsgType 0x03 is reserved (MQTT-SN §5.2.2)');
  });
});
