import { describe, expect, it } from 'vitest';
import { ConfigError, parseGatewayConfig } from '../../../src/config/index.js';
import { useTempDir } from './temp-files.js';

const temp = useTempDir();
const topics = temp.write('predefinedTopic.conf', '*, sensors/status, 1\n');

function parse(text: string) {
  return parseGatewayConfig(text, { file: 'gateway.conf', baseDir: temp.dir });
}

describe('Paho gateway.conf keys (research/mqtt-sn-landscape.md §5)', () => {
  it('reads a Paho-style file, with YES/NO and stray semicolons', () => {
    const config = parse(
      [
        '# Paho sample',
        'GatewayID=3',
        'GatewayName=PahoGateway-01',
        'MaxNumberOfClients=30;',
        'KeepAlive=60',
        'QoS-1=NO',
        'PredefinedTopic=YES',
        'PredefinedTopicList=./predefinedTopic.conf',
        'GatewayPortNo=10000',
        'GatewayIPv6PortNo=10001',
        'MulticastIP=225.1.1.1',
        'MaxInflightMsgs=10',
        'ShearedMemory=YES;',
      ].join('\n'),
    );
    expect(config.gatewayId).toBe(3);
    expect(config.mqttsnMaxClients).toBe(30);
    expect(config.advertiseInterval).toBe(60);
    expect(config.qosMinus1).toBe(false);
    expect(config.predefinedTopics).toBe(topics);
    expect(config.predefinedTopicTable.topicId('c', 'sensors/status')).toBe(1);
    expect(config.mqttsnUdp).toEqual([
      { port: 10000, bind: '0.0.0.0', family: 4 },
      { port: 10000, bind: '::', family: 6 },
      { port: 10001, bind: '::', family: 6 },
    ]);
    expect(config.advertiseAddress).toEqual({ host: '225.1.1.1', port: 1883 });
    // Paho's MaxInflightMsgs is its window towards its external broker: ignored, with a warning.
    expect(config.mqttsnMaxInflight).toBe(1);
    expect(config.warnings).toContain(
      "gateway.conf:12: Paho key 'MaxInflightMsgs' ignored: it is the Paho window towards its external broker, and the broker is built in here (mqttsn_max_inflight, towards each MQTT-SN client, stays 1: MQTT-SN §6.5, §6.6)",
    );
    expect(config.warnings).toContain(
      "gateway.conf:3: Paho key 'GatewayName' ignored: the gateway has no name in MQTT-SN v1.2 messages",
    );
    expect(config.warnings).toContain("gateway.conf:2: 'GatewayID' read as 'gateway_id'");
    expect(config.warnings.filter((w) => w.includes('ignored'))).toHaveLength(4);
  });

  it("mosquitto's max_topic_alias is topic_alias_maximum", () => {
    expect(parse('max_topic_alias 3').topicAliasMaximum).toBe(3);
  });

  it("mosquitto's port is a listener", () => {
    expect(parse('port 1884\nlistener 8884 127.0.0.1').listeners).toEqual([
      { port: 1884 },
      { port: 8884, bind: '127.0.0.1' },
    ]);
  });

  it('mosquitto keys with another place here stop start-up with a hint', () => {
    expect(catchError(() => parse('listener 9001\nprotocol websockets')).message).toBe(
      "gateway.conf:2: key 'protocol': unknown key: mosquitto.conf's per-listener protocol: use 'ws_listener PORT' or 'wss_listener PORT' for WebSockets",
    );
  });

  it('an alias and its key together are a duplicate', () => {
    expect(() => parse('gateway_id 1\nGatewayID=2')).toThrow(
      "gateway.conf:2: key 'GatewayID': already set on line 1; 'gateway_id' may appear only once",
    );
  });

  it('Paho keys about an external broker stop start-up with a hint', () => {
    const error = catchError(() => parse('BrokerName=mqtt.eclipseprojects.io'));
    expect(error).toMatchObject({ file: 'gateway.conf', line: 1, key: 'BrokerName' });
    expect(error.message).toMatch(/the broker is built in/);
    expect(catchError(() => parse('\nSerialDevice=/dev/ttyUSB0')).message).toBe(
      "gateway.conf:2: key 'SerialDevice': Paho gateway key with no equivalent here: use 'serial DEVICE baud=N framing=xbee-api2' (one line per device)",
    );
  });
});

function catchError(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
