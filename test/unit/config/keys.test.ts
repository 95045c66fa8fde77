import { describe, expect, it } from 'vitest';
import {
  type ConfigField,
  configFields,
  defaultGatewayConfig,
  type GatewayConfig,
  parseGatewayConfig,
} from '../../../src/config/index.js';
import { useTempDir } from './temp-files.js';

const temp = useTempDir();
const cert = temp.write('server.crt', 'certificate');
const key = temp.write('server.key', 'key');
const ca = temp.write('ca.crt', 'ca');
const passwd = temp.write('passwd', 'user:$7$hash');
const acl = temp.write('acl', 'topic readwrite #');
const admission = temp.write('admission', 'sensor-*');
const topics = temp.write('topics.conf', '*, sensors/status, 1\n');

const defaults = defaultGatewayConfig(temp.dir);

function parse(text: string): GatewayConfig {
  return parseGatewayConfig(text, { file: `${temp.dir}/gateway.conf` });
}

/** One non-default example per key: the line, and the value the field must then hold. */
const examples: Record<ConfigField, { line: string; value: unknown; context?: string }> = {
  logLevel: { line: 'log_level debug', value: 'debug' },
  sysInterval: { line: 'sys_interval 0', value: 0 },
  listeners: { line: 'listener 1884 127.0.0.1', value: [{ port: 1884, bind: '127.0.0.1' }] },
  tlsListeners: {
    line: 'tls_listener 8883',
    value: [{ port: 8883 }],
    context: 'certfile server.crt\nkeyfile server.key',
  },
  wsListeners: { line: 'ws_listener 8080 ::1', value: [{ port: 8080, bind: '::1' }] },
  wssListeners: {
    line: 'wss_listener 8081 localhost',
    value: [{ port: 8081, bind: 'localhost' }],
    context: 'certfile server.crt\nkeyfile server.key',
  },
  certfile: { line: 'certfile server.crt', value: cert, context: 'keyfile server.key' },
  keyfile: { line: 'keyfile server.key', value: key, context: 'certfile server.crt' },
  cafile: { line: `cafile ${ca}`, value: ca },
  requireCertificate: { line: 'require_certificate true', value: true, context: 'cafile ca.crt' },
  useIdentityAsUsername: {
    line: 'use_identity_as_username yes',
    value: true,
    context: 'require_certificate true\ncafile ca.crt',
  },
  tlsVersion: { line: 'tls_version tlsv1.3', value: 'tlsv1.3' },
  maxQueuedMessages: { line: 'max_queued_messages 5', value: 5 },
  maxInflightMessages: { line: 'max_inflight_messages 100', value: 100 },
  queueQos0Messages: { line: 'queue_qos0_messages true', value: true },
  retainAvailable: { line: 'retain_available false', value: false },
  maximumQos: { line: 'max_qos 1', value: 1 },
  maxPacketSize: { line: 'max_packet_size 1024', value: 1024 },
  maxKeepalive: { line: 'max_keepalive 60', value: 60 },
  persistentClientExpiration: { line: 'persistent_client_expiration 2d', value: 2 * 86_400 },
  topicAliasMaximum: { line: 'topic_alias_maximum 0', value: 0 },
  receiveMaximum: { line: 'receive_maximum 100', value: 100 },
  persistence: { line: 'persistence off', value: false },
  persistenceLocation: { line: 'persistence_location state/db', value: `${temp.dir}/state/db` },
  persistenceSync: { line: 'persistence_sync full', value: 'full' },
  allowAnonymous: { line: 'allow_anonymous false', value: false },
  passwordFile: { line: 'password_file passwd', value: passwd },
  aclFile: { line: 'acl_file ./acl', value: acl },
  mqttsnAdmissionFile: { line: 'mqttsn_admission_file admission', value: admission },
  maxConnections: { line: 'max_connections 1000', value: 1000 },
  maxConnectionsPerAddress: { line: 'max_connections_per_address 10', value: 10 },
  connectionRate: { line: 'connection_rate 50', value: 50 },
  connectTimeout: { line: 'connect_timeout 0', value: 0 },
  maxTopicLength: { line: 'max_topic_length 256', value: 256 },
  maxTopicLevels: { line: 'max_topic_levels 8', value: 8 },
  maxSubscriptionsPerClient: { line: 'max_subscriptions_per_client 100', value: 100 },
  mqttsnUdp: { line: 'mqttsn_udp 10000 fd00::1', value: [{ port: 10000, bind: 'fd00::1', family: 6 }] },
  gatewayId: { line: 'gateway_id 255', value: 255 },
  advertiseInterval: { line: 'advertise_interval 0', value: 0 },
  advertiseAddress: { line: 'advertise_address [ff02::1]:10000', value: { host: 'ff02::1', port: 10000 } },
  predefinedTopics: { line: 'predefined_topics topics.conf', value: topics },
  qosMinus1: { line: 'qos_minus1 NO', value: false },
  tRetry: { line: 't_retry 2.5', value: 2.5 },
  nRetry: { line: 'n_retry 3', value: 3 },
  mqttsnMaxClients: { line: 'mqttsn_max_clients 30', value: 30 },
  mqttsnMaxTopicsPerClient: { line: 'mqttsn_max_topics_per_client 50', value: 50 },
  sleepBufferSize: { line: 'sleep_buffer_size 10', value: 10 },
  mqttsnMaxMessageSize: { line: 'mqttsn_max_message_size 60', value: 60 },
  keepaliveTolerance: { line: 'keepalive_tolerance 1.1', value: 1.1 },
  wakeupNewAddress: { line: 'wakeup_new_address false', value: false },
  mqttsnMaxInflight: { line: 'mqttsn_max_inflight 10', value: 10 },
  serial: {
    line: 'serial /dev/ttyUSB0 framing=xbee-api2 baud=38400',
    value: [{ device: '/dev/ttyUSB0', baudRate: 38_400, framing: 'xbee-api2' }],
  },
};

describe('every key parses', () => {
  it('has an example for every schema key', () => {
    expect(Object.keys(examples).sort()).toEqual([...configFields].sort());
  });

  for (const field of configFields) {
    const example = examples[field];
    it(`${example.line} → ${field}`, () => {
      const text = `# test\n${example.context ?? ''}\n${example.line}\n`;
      const config = parse(text);
      expect(config[field]).toEqual(example.value);
      // The example differs from the default, so the test shows the line was read.
      expect(defaults[field]).not.toEqual(example.value);
      const lineNumber = text.split('\n').indexOf(example.line) + 1;
      expect(config.locations[field]).toEqual({ file: `${temp.dir}/gateway.conf`, line: lineNumber });
    });
  }
});

describe('value forms', () => {
  it.each([
    ['max_qos 0', 0],
    ['max_qos = 0', 0],
    ['max_qos=0', 0],
    ['  max_qos\t0  ', 0],
    ['MAX_QOS 0', 0],
    ['max_qos 0;', 0],
  ])('%j', (line, value) => {
    expect(parse(line).maximumQos).toBe(value);
  });

  it.each([
    ['true', true],
    ['YES', true],
    ['on', true],
    ['1', true],
    ['False', false],
    ['no', false],
    ['OFF', false],
    ['0', false],
  ])('boolean %s', (word, value) => {
    expect(parse(`retain_available ${word}`).retainAvailable).toBe(value);
  });

  it.each([
    ['none', undefined],
    ['3600', 3600],
    ['30s', 30],
    ['2h', 7200],
    ['1d', 86_400],
    ['1w', 604_800],
    ['1m', 30 * 86_400],
    ['1y', 365 * 86_400],
  ])('persistent_client_expiration %s', (raw, seconds) => {
    expect(parse(`persistent_client_expiration ${raw}`).persistentClientExpiration).toBe(seconds);
  });

  it('ignores comments, blank lines, CRLF line ends and a byte order mark', () => {
    const config = parse('\uFEFF# comment\r\n\r\n   # indented comment\r\ngateway_id 7\r\n');
    expect(config.gatewayId).toBe(7);
    expect(config.locations.gatewayId?.line).toBe(4);
  });

  it('repeatable keys add up, and the first line replaces the default', () => {
    const config = parse(
      'listener 1884\nlistener 1885 127.0.0.1\nmqttsn_udp 2000 127.0.0.1\nmqttsn_udp 2001',
    );
    expect(config.listeners).toEqual([{ port: 1884 }, { port: 1885, bind: '127.0.0.1' }]);
    expect(config.mqttsnUdp).toEqual([
      { port: 2000, bind: '127.0.0.1', family: 4 },
      { port: 2001, bind: '0.0.0.0', family: 4 },
      { port: 2001, bind: '::', family: 6 },
    ]);
    expect(config.locations.listeners?.line).toBe(1);
  });

  it('accepts bracketed IPv6 bind addresses and port 0', () => {
    expect(parse('listener 0 [::1]').listeners).toEqual([{ port: 0, bind: '::1' }]);
  });

  it('advertise_address takes port 1883 when none is given', () => {
    expect(parse('advertise_address 225.1.1.1').advertiseAddress).toEqual({ host: '225.1.1.1', port: 1883 });
    expect(parse('advertise_address ff02::1').advertiseAddress).toEqual({ host: 'ff02::1', port: 1883 });
    expect(parse('advertise_address 192.168.1.255:10000').advertiseAddress).toEqual({
      host: '192.168.1.255',
      port: 10000,
    });
  });

  it('serial lines: defaults, options in any order, client id', () => {
    const config = parse(
      'serial /dev/ttyS0\nserial /dev/ttyUSB1 client=sensor-1 baud=9600 framing=xbee-api1',
    );
    expect(config.serial).toEqual([
      { device: '/dev/ttyS0', baudRate: 115_200, framing: 'raw' },
      { device: '/dev/ttyUSB1', baudRate: 9600, framing: 'xbee-api1', clientId: 'sensor-1' },
    ]);
  });

  it('resolves relative paths against the config file folder, absolute ones as they are', () => {
    expect(parse('persistence_location ../elsewhere').persistenceLocation).toBe(
      `${temp.dir.slice(0, temp.dir.lastIndexOf('/'))}/elsewhere`,
    );
    expect(parse('persistence_location /var/lib/gw').persistenceLocation).toBe('/var/lib/gw');
    expect(parse('').persistenceLocation).toBe(`${temp.dir}/data`);
  });

  it('loads the predefined topics file into a table', () => {
    const config = parse('predefined_topics topics.conf');
    expect(config.predefinedTopicTable.topicName('any-client', 1)).toBe('sensors/status');
  });
});
