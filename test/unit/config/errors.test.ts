import { describe, expect, it } from 'vitest';
import { ConfigError, loadGatewayConfig, parseGatewayConfig } from '../../../src/config/index.js';
import { useTempDir } from './temp-files.js';

const temp = useTempDir();
temp.write('server.crt', 'certificate');
temp.write('server.key', 'key');

function errorFor(text: string): ConfigError {
  try {
    parseGatewayConfig(text, { file: 'gateway.conf', baseDir: temp.dir });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(text)}`);
}

/** [file text, line, key, full message]. Each bad line sits below a few good ones. */
const cases: [string, number, string | undefined, string][] = [
  [
    'max_queued_messages lots',
    1,
    'max_queued_messages',
    "gateway.conf:1: key 'max_queued_messages': expected an integer 0..1000000 (0 = unlimited), got 'lots'",
  ],
  [
    '# c\n\nsys_interval 5\nmax_qos 3',
    4,
    'max_qos',
    "gateway.conf:4: key 'max_qos': expected one of 0, 1, 2, got '3'",
  ],
  [
    // Beyond 2^31 − 1 ms a Node interval fires every millisecond: $SYS would be published non-stop.
    'sys_interval 2147484',
    1,
    'sys_interval',
    "gateway.conf:1: key 'sys_interval': expected an integer 0..2147483 (0 = off), got '2147484'",
  ],
  [
    `persistent_client_expiration ${'9'.repeat(400)}y`,
    1,
    'persistent_client_expiration',
    `gateway.conf:1: key 'persistent_client_expiration': expected 'none' or an integer followed by s, h, d, w, m (months) or y, e.g. 14d, got '${'9'.repeat(400)}y'`,
  ],
  ['gateway_id 0', 1, 'gateway_id', "gateway.conf:1: key 'gateway_id': expected an integer 1..255, got '0'"],
  [
    'gateway_id 256',
    1,
    'gateway_id',
    "gateway.conf:1: key 'gateway_id': expected an integer 1..255, got '256'",
  ],
  [
    'gateway_id 1.5',
    1,
    'gateway_id',
    "gateway.conf:1: key 'gateway_id': expected an integer 1..255, got '1.5'",
  ],
  ['t_retry soon', 1, 't_retry', "gateway.conf:1: key 't_retry': expected a number 0.01..3600, got 'soon'"],
  [
    'log_level verbose',
    1,
    'log_level',
    "gateway.conf:1: key 'log_level': expected one of error, warn, info, debug, got 'verbose'",
  ],
  [
    'persistence maybe',
    1,
    'persistence',
    "gateway.conf:1: key 'persistence': expected true or false (yes/no, on/off), got 'maybe'",
  ],
  [
    'persistence_sync always',
    1,
    'persistence_sync',
    "gateway.conf:1: key 'persistence_sync': expected one of normal, full, got 'always'",
  ],
  [
    'listener',
    1,
    'listener',
    "gateway.conf:1: key 'listener': missing value (expected 'PORT [BIND_ADDRESS]' with PORT 0..65535 and an IP address or host name)",
  ],
  [
    'gateway_id =',
    1,
    'gateway_id',
    "gateway.conf:1: key 'gateway_id': missing value (expected an integer 1..255)",
  ],
  [
    'listener 70000',
    1,
    'listener',
    "gateway.conf:1: key 'listener': expected 'PORT [BIND_ADDRESS]' with PORT 0..65535 and an IP address or host name, got '70000'",
  ],
  [
    'listener 70000 127.0.0.1',
    1,
    'listener',
    "gateway.conf:1: key 'listener': expected 'PORT [BIND_ADDRESS]' with PORT 0..65535 and an IP address or host name, got '70000 127.0.0.1'",
  ],
  [
    'mqttsn_udp -1',
    1,
    'mqttsn_udp',
    "gateway.conf:1: key 'mqttsn_udp': expected 'PORT [BIND_ADDRESS]' with PORT 0..65535 and an IPv4 or IPv6 address, got '-1'",
  ],
  [
    'listener 1883 0.0.0.0 extra',
    1,
    'listener',
    "gateway.conf:1: key 'listener': expected 'PORT [BIND_ADDRESS]' with PORT 0..65535 and an IP address or host name, got '1883 0.0.0.0 extra'",
  ],
  [
    'listener 1883 bad_host!',
    1,
    'listener',
    "gateway.conf:1: key 'listener': expected 'PORT [BIND_ADDRESS]' with PORT 0..65535 and an IP address or host name, got '1883 bad_host!'",
  ],
  [
    'mqttsn_udp 1883 localhost',
    1,
    'mqttsn_udp',
    "gateway.conf:1: key 'mqttsn_udp': expected 'PORT [BIND_ADDRESS]' with PORT 0..65535 and an IPv4 or IPv6 address, got '1883 localhost'",
  ],
  [
    'advertise_address example.com:1883',
    1,
    'advertise_address',
    "gateway.conf:1: key 'advertise_address': expected 'ADDRESS[:PORT]' with an IP address ([v6]:port for IPv6) and PORT 1..65535, got 'example.com:1883'",
  ],
  [
    'advertise_address 255.255.255.255:0',
    1,
    'advertise_address',
    "gateway.conf:1: key 'advertise_address': expected 'ADDRESS[:PORT]' with an IP address ([v6]:port for IPv6) and PORT 1..65535, got '255.255.255.255:0'",
  ],
  [
    'serial /dev/ttyUSB0 framing=slip',
    1,
    'serial',
    "gateway.conf:1: key 'serial': expected framing=raw|xbee-api1|xbee-api2, got 'framing=slip'",
  ],
  [
    'serial /dev/ttyUSB0 parity=none',
    1,
    'serial',
    "gateway.conf:1: key 'serial': unknown option 'parity' (expected baud=, framing= or client=)",
  ],
  [
    'serial /dev/ttyUSB0 baud=fast',
    1,
    'serial',
    "gateway.conf:1: key 'serial': expected baud=N with N an integer 50..4000000, got 'fast'",
  ],
  [
    'serial /dev/ttyUSB0 baud=9600 baud=19200',
    1,
    'serial',
    "gateway.conf:1: key 'serial': option 'baud' given twice in '/dev/ttyUSB0 baud=9600 baud=19200'",
  ],
  [
    'serial /dev/ttyUSB0 client=abcdefghijklmnopqrstuvwxyz',
    1,
    'serial',
    "gateway.conf:1: key 'serial': expected client=ID with ID 1..23 characters (MQTT-SN §5.3.1), got 'client=abcdefghijklmnopqrstuvwxyz'",
  ],
  [
    'serial baud=9600',
    1,
    'serial',
    "gateway.conf:1: key 'serial': expected 'DEVICE [baud=N] [framing=raw|xbee-api1|xbee-api2] [client=CLIENT_ID]', e.g. '/dev/ttyUSB0 baud=115200 framing=xbee-api2', got 'baud=9600'",
  ],
  [
    'serial /dev/ttyS0\nserial /dev/ttyS0 framing=raw',
    1,
    'serial',
    "gateway.conf:1: key 'serial': device /dev/ttyS0 is listed twice",
  ],
  [
    'persistent_client_expiration soon',
    1,
    'persistent_client_expiration',
    "gateway.conf:1: key 'persistent_client_expiration': expected 'none' or an integer followed by s, h, d, w, m (months) or y, e.g. 14d, got 'soon'",
  ],
  [
    'max_queued_mesages 10',
    1,
    'max_queued_mesages',
    "gateway.conf:1: key 'max_queued_mesages': unknown key (did you mean 'max_queued_messages'?)",
  ],
  ['frobnicate 1', 1, 'frobnicate', "gateway.conf:1: key 'frobnicate': unknown key"],
  ['constructor 1', 1, 'constructor', "gateway.conf:1: key 'constructor': unknown key"],
  [
    'gateway_id 1\ngateway_id 2',
    2,
    'gateway_id',
    "gateway.conf:2: key 'gateway_id': already set on line 1; 'gateway_id' may appear only once",
  ],
  [
    'certfile missing.crt',
    1,
    'certfile',
    `gateway.conf:1: key 'certfile': file not found: ${temp.dir}/missing.crt`,
  ],
  ['acl_file .', 1, 'acl_file', `gateway.conf:1: key 'acl_file': not a file: ${temp.dir}`],
  [
    '\ntls_listener 8883',
    2,
    'tls_listener',
    "gateway.conf:2: key 'tls_listener': needs certfile and keyfile",
  ],
  ['certfile server.crt', 1, 'certfile', "gateway.conf:1: key 'certfile': needs keyfile as well"],
  [
    'require_certificate true',
    1,
    'require_certificate',
    "gateway.conf:1: key 'require_certificate': needs cafile (the CA that client certificates must chain to)",
  ],
  [
    'use_identity_as_username true',
    1,
    'use_identity_as_username',
    "gateway.conf:1: key 'use_identity_as_username': needs require_certificate true",
  ],
];

describe('errors name the file, the line and the key', () => {
  it.each(cases)('%j', (text, line, key, message) => {
    const error = errorFor(text);
    expect(error.message).toBe(message);
    expect(error).toMatchObject({ file: 'gateway.conf', line, key });
  });

  it('a line that is not `key value` names the line', () => {
    const error = errorFor('gateway_id 1\n= 5');
    expect(error.message).toBe("gateway.conf:2: expected 'key value' or a # comment, got '= 5'");
    expect(error.line).toBe(2);
  });

  it('a key glued to punctuation is not a key', () => {
    expect(errorFor('gateway_id:5').message).toBe(
      "gateway.conf:1: expected 'key value' or a # comment, got 'gateway_id:5'",
    );
  });

  it('a missing config file names the file', () => {
    expect(() => loadGatewayConfig(`${temp.dir}/nope.conf`)).toThrow(
      `${temp.dir}/nope.conf: cannot read the configuration file (ENOENT)`,
    );
  });

  it('errors in the predefined topics file name that file and its line', () => {
    temp.write('topics.conf', '# ids\n*, a/b, 1\n*, a/c, x\n');
    const error = errorFor('predefined_topics topics.conf');
    expect(error.message).toBe(`${temp.dir}/topics.conf:3: expected a topic id 1..65534, got 'x'`);
  });
});
