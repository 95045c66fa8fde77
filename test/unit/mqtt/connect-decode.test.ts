/**
 * The direct CONNECT decoder (src/mqtt/connect-decode.ts) must never disagree with mqtt-packet:
 * for every packet it decodes, mqtt-packet decodes the same fields; everything else it hands
 * over (undefined). Checked on generated CONNECTs of 3.1, 3.1.1 and 5 and on mutations of them.
 */
import fc from 'fast-check';
import { generate, type IConnectPacket, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../../../src/mqtt/codec.js';
import { decodeCommonConnect } from '../../../src/mqtt/connect-decode.js';
import { readFixedHeader } from '../../../src/mqtt/wire.js';

function headerLengthOf(frame: Buffer): number {
  return readFixedHeader(frame, 0, { remainingLength: 0 });
}

/** mqtt-packet's reading of the frame, or undefined when it refuses it. */
function reference(frame: Buffer, version: number): Packet | undefined {
  try {
    return decodePacket(frame, version);
  } catch {
    return undefined;
  }
}

function fields(packet: IConnectPacket): Record<string, unknown> {
  return {
    protocolId: packet.protocolId,
    protocolVersion: packet.protocolVersion,
    clean: packet.clean,
    keepalive: packet.keepalive,
    clientId: packet.clientId,
    username: packet.username,
    password: packet.password === undefined ? undefined : Buffer.from(packet.password).toString('hex'),
    will: packet.will,
    properties: packet.properties,
  };
}

const connectArb = fc.record({
  protocolVersion: fc.constantFrom(3, 4, 5),
  clientId: fc.string({ maxLength: 30 }),
  clean: fc.boolean(),
  keepalive: fc.integer({ min: 0, max: 65_535 }),
  username: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
  password: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: undefined }),
  will: fc.boolean(),
  sessionExpiry: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
});

type ConnectCase = typeof connectArb extends fc.Arbitrary<infer T> ? T : never;

function encode(c: ConnectCase): Buffer {
  const packet: IConnectPacket = {
    cmd: 'connect',
    protocolId: c.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    protocolVersion: c.protocolVersion as 3 | 4 | 5,
    // mqtt-packet's encoder insists on a client id for 3.1 and without clean session, and on a
    // user name with a password (mutations below produce the other cases).
    clientId: c.clientId === '' && (c.protocolVersion === 3 || !c.clean) ? 'id' : c.clientId,
    clean: c.clean,
    keepalive: c.keepalive,
  };
  if (c.username !== undefined || c.password !== undefined) packet.username = c.username ?? '';
  if (c.password !== undefined) packet.password = Buffer.from(c.password);
  if (c.will) packet.will = { topic: 'will/t', payload: Buffer.from('bye'), qos: 1, retain: false };
  if (c.protocolVersion === 5 && c.sessionExpiry !== undefined) {
    packet.properties = { sessionExpiryInterval: c.sessionExpiry };
  }
  return generate(packet, { protocolVersion: c.protocolVersion });
}

/** CONNECT's fixed header (0x10, remaining length) in front of `body`. */
function withFixedHeader(body: Buffer): Buffer {
  const length: number[] = [];
  let rest = body.length;
  do {
    const byte = rest % 128;
    rest = Math.floor(rest / 128);
    length.push(rest > 0 ? byte | 0x80 : byte);
  } while (rest > 0);
  return Buffer.concat([Buffer.from([0x10, ...length]), body]);
}

function agrees(frame: Buffer, version: number): void {
  const fast = decodeCommonConnect(frame, headerLengthOf(frame), version);
  if (fast === undefined) return;
  const ref = reference(frame, version);
  expect(ref?.cmd).toBe('connect');
  expect(fields(fast)).toEqual(fields(ref as IConnectPacket));
}

describe('direct CONNECT decoding', () => {
  it('decodes a plain 3.1.1 CONNECT exactly as mqtt-packet does', () => {
    const frame = encode({
      protocolVersion: 4,
      clientId: 'sensor-1',
      clean: true,
      keepalive: 60,
      username: 'u',
      password: new Uint8Array([1, 2]),
      will: false,
      sessionExpiry: undefined,
    });
    const fast = decodeCommonConnect(frame, headerLengthOf(frame), 4);
    expect(fast).toMatchObject({ clientId: 'sensor-1', keepalive: 60, clean: true, username: 'u' });
    agrees(frame, 4);
  });

  it('hands a will or v5 properties over to mqtt-packet', () => {
    const withWill = encode({
      protocolVersion: 4,
      clientId: 'a',
      clean: true,
      keepalive: 0,
      username: undefined,
      password: undefined,
      will: true,
      sessionExpiry: undefined,
    });
    expect(decodeCommonConnect(withWill, headerLengthOf(withWill), 4)).toBeUndefined();
    const withProperties = encode({
      protocolVersion: 5,
      clientId: 'a',
      clean: false,
      keepalive: 0,
      username: undefined,
      password: undefined,
      will: false,
      sessionExpiry: 10,
    });
    expect(decodeCommonConnect(withProperties, headerLengthOf(withProperties), 5)).toBeUndefined();
  });

  it('agrees with mqtt-packet on every generated CONNECT', () => {
    fc.assert(
      fc.property(connectArb, (c) => {
        const frame = encode(c);
        agrees(frame, c.protocolVersion);
        if (!c.will && (c.protocolVersion !== 5 || c.sessionExpiry === undefined)) {
          expect(decodeCommonConnect(frame, headerLengthOf(frame), c.protocolVersion)).toBeDefined();
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never decodes a mutated CONNECT that mqtt-packet reads differently or refuses', () => {
    fc.assert(
      fc.property(connectArb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (c, where, byte, cut) => {
        const frame = Buffer.from(encode(c));
        const headerLength = headerLengthOf(frame);
        // Mutate a body byte (the fixed header stays valid: the framer checked it).
        const body = frame.length - headerLength;
        if (body > 0) frame[headerLength + (where % body)] = byte;
        agrees(frame, c.protocolVersion);
        // The same packet cut short (its remaining length says so): fields now run past the end.
        const bodyBytes = frame.subarray(headerLength, frame.length - Math.min(body, cut % 4));
        agrees(withFixedHeader(bodyBytes), c.protocolVersion);
      }),
      { numRuns: 1000 },
    );
  });
});
