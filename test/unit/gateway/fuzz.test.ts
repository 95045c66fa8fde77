/**
 * Whatever arrives, the gateway never crashes and never reports an internal error: random bytes,
 * truncations of valid messages and valid messages in random order, from several peers, over real
 * UDP (fast-check). Every datagram that does not decode is counted and logged; afterwards a client
 * still connects and publishes.
 */
import dgram from 'node:dgram';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, type MqttSnPacket, ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { type Harness, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let harness: Harness;
let sockets: dgram.Socket[] = [];

beforeAll(async () => {
  harness = await startHarness({ gateway: { predefinedTopics: new Map([[1, 'fuzz/p']]) } });
  sockets = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<dgram.Socket>((resolve) => {
          const s = dgram.createSocket('udp4');
          s.bind(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await harness.close();
});

const topic = fc.oneof(
  fc.record({ type: fc.constant('normal' as const), id: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ type: fc.constant('predefined' as const), id: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ type: fc.constant('short' as const), name: fc.constantFrom('ab', 'zz') }),
);
const msgId = fc.integer({ min: 0, max: 0xffff });
const packet: fc.Arbitrary<MqttSnPacket> = fc.oneof(
  fc.record({
    type: fc.constant('CONNECT' as const),
    will: fc.boolean(),
    cleanSession: fc.boolean(),
    duration: fc.integer({ min: 0, max: 5 }),
    clientId: fc.constantFrom('f1', 'f2', '', 'x'.repeat(30)),
  }),
  fc.record({
    type: fc.constant('PUBLISH' as const),
    dup: fc.boolean(),
    qos: fc.constantFrom(-1 as const, 0 as const, 1 as const, 2 as const),
    retain: fc.boolean(),
    topic,
    msgId,
    payload: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
  }),
  fc.record({
    type: fc.constant('REGISTER' as const),
    topicId: fc.constant(0),
    msgId,
    topicName: fc.constantFrom('fuzz/a', 'fuzz/+', 'f/b'),
  }),
  fc.record({
    type: fc.constant('REGACK' as const),
    topicId: fc.integer({ min: 0, max: 5 }),
    msgId,
    returnCode: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
  }),
  fc.record({
    type: fc.constant('PUBACK' as const),
    topicId: fc.integer({ min: 0, max: 5 }),
    msgId,
    returnCode: fc.constantFrom(0 as const, 2 as const),
  }),
  fc.record({ type: fc.constantFrom('PUBREC' as const, 'PUBREL' as const, 'PUBCOMP' as const), msgId }),
  fc.record({
    type: fc.constant('SUBSCRIBE' as const),
    dup: fc.boolean(),
    qos: fc.constantFrom(0 as const, 1 as const, 2 as const),
    msgId,
    topic: fc.constantFrom(
      { type: 'name' as const, name: 'fuzz/#' },
      { type: 'predefined' as const, id: 1 },
      { type: 'short' as const, name: 'ab' },
    ),
  }),
  fc.record({
    type: fc.constant('PINGREQ' as const),
    clientId: fc.option(fc.constantFrom('f1', 'f2', 'nobody'), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('DISCONNECT' as const),
    duration: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('WILLTOPIC' as const),
    will: fc.constantFrom(null, { topic: 'w/t', qos: 0 as const, retain: false }),
  }),
  fc.record({ type: fc.constant('WILLMSG' as const), willMsg: fc.constant(Buffer.from('w')) }),
  fc.record({
    type: fc.constant('WILLTOPICUPD' as const),
    will: fc.constantFrom(null, { topic: 'w/u', qos: 1 as const, retain: true }),
  }),
  fc.record({ type: fc.constant('SEARCHGW' as const), radius: fc.integer({ min: 0, max: 255 }) }),
);
/** A valid message, a truncation of one, or random bytes. */
const datagram = fc.oneof(
  packet.map((p) => encode(p)),
  fc.tuple(packet, fc.nat()).map(([p, cut]) => {
    const bytes = encode(p);
    return bytes.subarray(0, cut % bytes.length);
  }),
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
);

/** What the gateway counts as malformed: the datagram, or the message inside an encapsulation. */
function isMalformed(data: Buffer, outermost = true): boolean {
  const result = decode(data);
  if (!result.ok) return true;
  const p = result.packet;
  if (p.type !== 'ENCAPSULATED') return false;
  return !outermost || !Buffer.isBuffer(p.inner) || isMalformed(p.inner, false);
}

describe('gateway fuzz (never a crash, every bad datagram counted)', () => {
  it('survives random traffic from several peers', async () => {
    let undecodable = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), datagram), { minLength: 1, maxLength: 30 }),
        async (batch) => {
          for (const [who, data] of batch) {
            if (isMalformed(data)) undecodable++;
            sockets[who]?.send(data, harness.port, '127.0.0.1');
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        },
      ),
      { numRuns: 60 },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(harness.logLines.filter((l) => l.includes('internal error'))).toEqual([]);
    expect(harness.gateway.stats().malformed).toBe(undecodable);
    const c = await SnTestClient.open({ port: harness.port });
    try {
      expect(await c.connect('after-fuzz')).toBe(ReturnCode.ACCEPTED);
      c.send({
        type: 'PUBLISH',
        dup: false,
        qos: 1,
        retain: false,
        topic: { type: 'predefined', id: 1 },
        msgId: 1,
        payload: Buffer.from('ok'),
      });
      expect((await c.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    } finally {
      await c.close();
    }
  });
});
