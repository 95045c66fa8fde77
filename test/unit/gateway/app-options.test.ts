/**
 * gateway.conf → gateway options (src/app/mqttsn.ts): keepalive_tolerance is an override only when
 * the file sets it; otherwise the gateway applies MQTT-SN §7.2's rule (+10 % over a minute, +50 %
 * below). mqttsn_max_inflight above 1 is refused when the gateway starts; Paho's MaxInflightMsgs
 * (its window towards its external broker) is ignored with a warning, so Paho files still start.
 */
import { describe, expect, it } from 'vitest';
import { gatewayOptions } from '../../../src/app/mqttsn.js';
import { parseGatewayConfig } from '../../../src/config/index.js';
import { GatewayOptionsError } from '../../../src/gateway/index.js';
import { validateOptions, withDefaults } from '../../../src/gateway/options.js';
import { supervisionLimitMs, toleranceFor } from '../../../src/gateway/supervision.js';
import { useTempDir } from '../config/temp-files.js';

const parse = (text: string) => parseGatewayConfig(text, { file: 'test.conf', baseDir: '/tmp' });

describe('keep-alive tolerance from gateway.conf', () => {
  it('not set in the file: §7.2 rule', () => {
    const options = gatewayOptions(parse(''));
    expect(options.keepAliveTolerance).toBeUndefined();
    expect(toleranceFor(30, undefined)).toBe(1.5);
    expect(toleranceFor(60, undefined)).toBe(1.5);
    expect(toleranceFor(61, undefined)).toBe(1.1);
    expect(supervisionLimitMs(600, undefined)).toBe(660_000);
    expect(supervisionLimitMs(20, undefined)).toBe(30_000);
  });

  it('set in the file: one factor for every duration', () => {
    const options = gatewayOptions(parse('keepalive_tolerance 2\n'));
    expect(options.keepAliveTolerance).toBe(2);
    expect(supervisionLimitMs(600, options.keepAliveTolerance)).toBe(1_200_000);
  });
});

describe('mqttsn_max_inflight', () => {
  it('1 is accepted; 10 is refused with a clear message', () => {
    expect(() => validateOptions(withDefaults(gatewayOptions(parse(''))))).not.toThrow();
    const ten = withDefaults(gatewayOptions(parse('mqttsn_max_inflight 10\n')));
    expect(() => validateOptions(ten)).toThrow(GatewayOptionsError);
    expect(() => validateOptions(ten)).toThrow(/mqttsn_max_inflight\) is 10: only 1 is supported/);
  });

  it('a Paho file with MaxInflightMsgs=10 starts: the key is ignored with a warning', () => {
    const config = parse('MaxInflightMsgs=10\n');
    expect(config.warnings).toEqual([
      expect.stringMatching(/^test.conf:1: Paho key 'MaxInflightMsgs' ignored: /),
    ]);
    expect(() => validateOptions(withDefaults(gatewayOptions(config)))).not.toThrow();
  });
});

describe('gateway.conf keys reach the gateway options', () => {
  it('qos_minus1 false switches QoS −1 off (MQTT-SN §6.8); mqttsn_max_message_size is the limit', () => {
    expect(gatewayOptions(parse('')).qosMinus1).toBe(true);
    expect(gatewayOptions(parse('qos_minus1 false\n')).qosMinus1).toBe(false);
    expect(gatewayOptions(parse('mqttsn_max_message_size 64\n')).maxMessageSize).toBe(64);
  });
});

describe('predefined_topics file → gateway options (MQTT-SN §6.7)', () => {
  const temp = useTempDir();
  it('`*` entries are global, a ClientId entry is that client’s own', () => {
    temp.write(
      'predefined.conf',
      '*, sensors/status, 1\nsensor-7, sensors/7/cmd, 2\nsensor-7, own/status, 1\n',
    );
    const options = gatewayOptions(
      parseGatewayConfig('predefined_topics predefined.conf\n', { file: 'test.conf', baseDir: temp.dir }),
    );
    expect(options.predefinedTopics).toEqual(new Map([[1, 'sensors/status']]));
    expect(options.clientPredefinedTopics).toEqual(
      new Map([
        [
          'sensor-7',
          new Map([
            [2, 'sensors/7/cmd'],
            [1, 'own/status'],
          ]),
        ],
      ]),
    );
  });
});
