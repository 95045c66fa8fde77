/**
 * 13 malformed input: each violation closes only the offending connection — v5 gets DISCONNECT
 * with the reason code — and leaves a log line naming the peer and the reason, while a
 * well-behaved subscriber keeps receiving (mosquitto test/broker/13-malformed-*.py).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker, waitForLog } from '../../helpers/mqtt/harness.js';
import { publish } from '../../helpers/mqtt/raw-broker.js';
import { RawClient } from '../../helpers/mqtt/raw-client.js';

let t: TestBroker;
let watcher: RawClient;
const raws: RawClient[] = [];
let probe = 0;

/** Hand-built PUBLISH: fixed header, topic bytes, packet id when QoS>0, v5 empty properties. */
function publishBytes(
  v: 4 | 5,
  flags: number,
  topic: number[],
  packetId?: number,
  payload: number[] = [0x78],
) {
  const body = [topic.length >> 8, topic.length & 0xff, ...topic];
  if (packetId !== undefined) body.push(packetId >> 8, packetId & 0xff);
  if (v === 5) body.push(0);
  body.push(...payload);
  return [0x30 | flags, body.length, ...body];
}
const ascii = (s: string) => [...Buffer.from(s)];

beforeEach(async () => {
  t = await startTestBroker({ maxPacketSize: 512 });
  watcher = (await RawClient.connected(t.port, 4, 'watcher')).client;
  watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'probe', qos: 0 }] });
  await watcher.expect('suback');
});
afterEach(async () => {
  watcher.destroy();
  for (const c of raws.splice(0)) c.destroy();
  await t.close();
});

/** The broker still routes for others: a fresh client's PUBLISH reaches the watcher. */
async function brokerStillServes(): Promise<void> {
  const { client } = await RawClient.connected(t.port, 4, `prober${++probe}`);
  raws.push(client);
  client.send(publish('probe', `p${probe}`, 0));
  expect((await watcher.expect('publish')).payload.toString()).toBe(`p${probe}`);
}

interface Case {
  name: string;
  bytes: (v: 4 | 5) => number[];
  reason: number;
  log: RegExp;
}

const afterConnect: Case[] = [
  {
    name: 'invalid UTF-8 in a topic',
    bytes: (v) => publishBytes(v, 0, [0x61, 0xc3, 0x28]),
    reason: 0x81,
    log: /invalid UTF-8 in topic/,
  },
  {
    name: 'U+0000 in a topic',
    bytes: (v) => publishBytes(v, 0, [0x61, 0x00, 0x62]),
    reason: 0x81,
    log: /U\+0000/,
  },
  {
    name: 'a wildcard in a PUBLISH topic',
    bytes: (v) => publishBytes(v, 0, ascii('a/+')),
    reason: 0x82,
    log: /wildcard in topic name/,
  },
  {
    name: 'packet id 0 at QoS 1',
    bytes: (v) => publishBytes(v, 0x02, ascii('a'), 0),
    reason: 0x82,
    log: /packet id 0/,
  },
  { name: 'QoS 3', bytes: (v) => publishBytes(v, 0x06, ascii('a'), 1), reason: 0x81, log: /QoS 3/ },
  {
    name: 'a zero-length topic without alias',
    bytes: (v) => publishBytes(v, 0, []),
    reason: 0x82,
    log: /zero-length topic/,
  },
  {
    name: 'a remaining length over 4 bytes',
    bytes: () => [0x30, 0xff, 0xff, 0xff, 0xff, 0x01],
    reason: 0x81,
    log: /longer than 4 bytes/,
  },
  {
    name: 'a packet over the maximum size',
    bytes: () => [0x30, 0xff, 0xff, 0x03],
    reason: 0x95,
    log: /over maximum 512/,
  },
  {
    name: 'a second CONNECT',
    bytes: () => [0x10, 13, 0, 4, ...ascii('MQTT'), 4, 2, 0, 60, 0, 1, 0x78],
    reason: 0x82,
    log: /second CONNECT/,
  },
  {
    name: 'a CONNACK from a client',
    bytes: () => [0x20, 2, 0, 0],
    reason: 0x82,
    log: /sent by servers only/,
  },
  {
    name: 'SUBSCRIBE with reserved flags 0',
    bytes: () => [0x80, 6, 0, 1, 0, 1, 0x61, 0],
    reason: 0x81,
    log: /header flag/,
  },
  {
    name: 'invalid UTF-8 in a topic filter',
    bytes: (v) => (v === 5 ? [0x82, 7, 0, 1, 0, 0, 1, 0xff, 0] : [0x82, 6, 0, 1, 0, 1, 0xff, 0]),
    reason: 0x81,
    log: /invalid UTF-8 in topic filter/,
  },
  {
    name: 'SUBSCRIBE with packet id 0',
    bytes: (v) => (v === 5 ? [0x82, 7, 0, 0, 0, 0, 1, 0x61, 0] : [0x82, 6, 0, 0, 0, 1, 0x61, 0]),
    reason: 0x82,
    log: /SUBSCRIBE packet id 0/,
  },
];

describe.each([4, 5] as const)('13 malformed, protocol %i', (v) => {
  it.each(afterConnect)('13 $name closes the connection', async ({ bytes, reason, log }) => {
    const { client } = await RawClient.connected(t.port, v, `bad${v}`);
    raws.push(client);
    client.send(bytes(v));
    if (v === 5) expect((await client.expect('disconnect')).reasonCode).toBe(reason);
    await client.expectClosed();
    const line = await waitForLog(t.logs, log);
    expect(line).toMatch(
      new RegExp(
        `Client bad${v} from 127\\.0\\.0\\.1:${client.localPort}: .*closing \\(0x${reason.toString(16)}`,
      ),
    );
    await brokerStillServes();
  });
});

/** The failure line names this very peer (its port) and the reason, then the v5 reason code. */
async function expectFailureLine(c: RawClient, reason: string, code: string): Promise<void> {
  const peer = `127\\.0\\.0\\.1:${c.localPort}`;
  await waitForLog(t.logs, new RegExp(`Client <unknown> from ${peer}: ${reason}.*; closing \\(${code}`));
}

describe('13 malformed, before CONNECT', () => {
  it('13-20 a PUBLISH before CONNECT closes the connection [MQTT-3.1.0-1]', async () => {
    const c = await RawClient.open(t.port);
    raws.push(c);
    c.send(publishBytes(4, 0, ascii('a')));
    await c.expectClosed();
    await expectFailureLine(c, 'first packet is not CONNECT \\(byte 0x30\\)', '0x82 ProtocolError');
    expect(c.pending()).toEqual([]);
    await brokerStillServes();
  });

  it('13-21 a first packet that is not CONNECT announcing ~256 MB is refused on its first byte', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const c = await RawClient.open(t.port);
    raws.push(c);
    c.send([0x30, 0xff, 0xff, 0xff, 0x7f]);
    await c.expectClosed();
    // Nothing near the announced size was reserved.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    await expectFailureLine(c, 'first packet is not CONNECT \\(byte 0x30\\)', '0x82 ProtocolError');
    await brokerStillServes();
  });

  it('13-22 a CONNECT announcing more than the maximum packet size is refused before buffering', async () => {
    const c = await RawClient.open(t.port);
    raws.push(c);
    c.send([0x10, 0xff, 0xff, 0xff, 0x7f]);
    await c.expectClosed();
    await expectFailureLine(c, 'packet of 268435460 bytes over maximum 512', '0x95 PacketTooLarge');
    await brokerStillServes();
  });

  it('13-23 a CONNECT with an unknown protocol name is closed without CONNACK', async () => {
    const c = await RawClient.open(t.port);
    raws.push(c);
    c.send([0x10, 13, 0, 4, ...ascii('MQTX'), 4, 2, 0, 60, 0, 1, 0x78]);
    await c.expectClosed();
    expect(c.pending()).toEqual([]);
    await expectFailureLine(c, "unknown protocol name 'MQTX'", '0x81 MalformedPacket');
  });

  it('13-24 a CONNECT with the reserved flag set is closed [MQTT-3.1.2-3]', async () => {
    const c = await RawClient.open(t.port);
    raws.push(c);
    c.send([0x10, 13, 0, 4, ...ascii('MQTT'), 4, 3, 0, 60, 0, 1, 0x78]);
    await c.expectClosed();
    await expectFailureLine(c, 'Connect flag bit 0 must be 0', '0x81 MalformedPacket');
  });

  it('13-25 bytes split at every boundary still make a valid session', async () => {
    const { client: sub } = await RawClient.connected(t.port, 4, 'split-sub');
    raws.push(sub);
    const c = await RawClient.open(t.port);
    raws.push(c);
    const connect = [0x10, 17, 0, 4, ...ascii('MQTT'), 4, 2, 0, 60, 0, 5, ...ascii('split')];
    const bytes = [...connect, ...publishBytes(4, 0, ascii('probe'), undefined, ascii('whole'))];
    for (const b of bytes) {
      c.send([b]);
      await new Promise((r) => setImmediate(r));
    }
    await c.expect('connack');
    expect((await watcher.expect('publish')).payload.toString()).toBe('whole');
  });

  it('13-26 invalid UTF-8 in a CONNECT client id is malformed: closed without CONNACK', async () => {
    const c = await RawClient.open(t.port, 5);
    raws.push(c);
    // CONNECT "MQTT" level 5, clean start, keep-alive 60, no properties, client id "a" 0xFF "b"
    c.send([0x10, 16, 0, 4, ...ascii('MQTT'), 5, 2, 0, 60, 0, 0, 3, 0x61, 0xff, 0x62]);
    await c.expectClosed();
    expect(c.pending()).toEqual([]);
    await expectFailureLine(c, 'invalid UTF-8 in client id', '0x81 MalformedPacket');
  });
});
