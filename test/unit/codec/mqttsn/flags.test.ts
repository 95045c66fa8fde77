/** The Flags octet, MQTT-SN §5.3.4 Table 4, checked over all 256 values. */
import { describe, expect, it } from 'vitest';
import { decodeFlags, encodeFlags } from '../../../../src/codec/mqttsn/index.js';

describe('§5.3.4 Flags', () => {
  it('decodes each bit where Table 4 puts it', () => {
    expect(decodeFlags(0b1_01_1_1_1_01)).toEqual({
      dup: true,
      qos: 1,
      retain: true,
      will: true,
      cleanSession: true,
      topicIdType: 'predefined',
    });
    expect(decodeFlags(0b0_10_0_0_0_10)).toMatchObject({
      dup: false,
      qos: 2,
      retain: false,
      topicIdType: 'short',
    });
    expect(decodeFlags(0b0_11_0_0_0_00)).toMatchObject({ qos: -1, topicIdType: 'normal' });
  });

  it('TopicIdType 0b11 is reserved: no Flags', () => {
    expect(decodeFlags(0x03)).toBeUndefined();
    expect(decodeFlags(0xff)).toBeUndefined();
  });

  it('encodeFlags inverts decodeFlags for every octet with a valid TopicIdType', () => {
    for (let octet = 0; octet < 256; octet += 1) {
      const flags = decodeFlags(octet);
      if ((octet & 0x03) === 0x03) expect(flags).toBeUndefined();
      else expect(flags && encodeFlags(flags)).toBe(octet);
    }
  });

  it('flags left out are sent as 0 ("not used")', () => {
    expect(encodeFlags({})).toBe(0);
    expect(encodeFlags({ will: true, cleanSession: true })).toBe(0x0c);
    expect(encodeFlags({ qos: -1, topicIdType: 'short' })).toBe(0x62);
  });
});
