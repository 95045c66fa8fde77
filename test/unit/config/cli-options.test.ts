/** The mqttsn-gateway command line (src/cli/gateway-options.ts); the binary is tested end to end elsewhere. */
import { describe, expect, it } from 'vitest';
import {
  buildGatewayCommand,
  configFromOptions,
  type GatewayCliOptions,
  parseGatewayArgs,
} from '../../../src/cli/gateway-options.js';
import { ConfigError } from '../../../src/config/index.js';
import { packageVersion } from '../../../src/version.js';
import { useTempDir } from './temp-files.js';

const temp = useTempDir();

function parseArgs(...args: string[]): GatewayCliOptions {
  const command = buildGatewayCommand('9.9.9').exitOverride();
  command.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  return parseGatewayArgs(command, ['node', 'mqttsn-gateway', ...args]);
}

describe('mqttsn-gateway options', () => {
  it('without options: the built-in defaults, paths from the current directory', () => {
    const config = configFromOptions(parseArgs(), temp.dir);
    expect(config.configFile).toBeUndefined();
    expect(config.listeners).toEqual([{ port: 1883 }]);
    expect(config.persistenceLocation).toBe(`${temp.dir}/data`);
    expect(config.logLevel).toBe('info');
  });

  it('-c reads the file; -v, -p, -u, --no-persistence and --data override it', () => {
    const file = temp.write('gw.conf', 'log_level warn\nlistener 1000\nmqttsn_udp 2000 127.0.0.1\n');
    const config = configFromOptions(
      parseArgs(
        '-c',
        file,
        '-v',
        '-p',
        '1884',
        '--port',
        '0',
        '-u',
        '10000',
        '--no-persistence',
        '--data',
        'db',
      ),
      temp.dir,
    );
    expect(config.configFile).toBe(file);
    expect(config.logLevel).toBe('debug');
    expect(config.listeners).toEqual([{ port: 1884 }, { port: 0 }]);
    expect(config.mqttsnUdp).toEqual([
      { port: 10000, bind: '0.0.0.0', family: 4 },
      { port: 10000, bind: '::', family: 6 },
    ]);
    expect(config.persistence).toBe(false);
    expect(config.persistenceLocation).toBe(`${temp.dir}/db`);
  });

  it('long forms', () => {
    const file = temp.write('empty.conf', '');
    const options = parseArgs('--config', file, '--verbose', '--udp-port', '1885');
    expect(options).toEqual({ config: file, verbose: true, udpPort: [1885], persistence: true });
  });

  it('a file without overrides keeps its own settings', () => {
    const file = temp.write('own.conf', 'listener 1000\npersistence false\n');
    const config = configFromOptions(parseArgs('-c', file), temp.dir);
    expect(config.listeners).toEqual([{ port: 1000 }]);
    expect(config.persistence).toBe(false);
    expect(config.logLevel).toBe('info');
  });

  it('a bad config file is a ConfigError naming file, line and key', () => {
    const file = temp.write('bad.conf', '\nmax_qos 7\n');
    expect(() => configFromOptions(parseArgs('-c', file), temp.dir)).toThrow(ConfigError);
    expect(() => configFromOptions(parseArgs('-c', file), temp.dir)).toThrow(
      `${file}:2: key 'max_qos': expected one of 0, 1, 2, got '7'`,
    );
  });

  it.each([['-p', 'http'], ['-p', '65536'], ['-u', '-1'], ['--bogus'], ['extra-argument']])(
    'rejects %j',
    (...args: string[]) => {
      expect(() => parseArgs(...args)).toThrow();
    },
  );

  it('--version prints the version', () => {
    let printed = '';
    const command = buildGatewayCommand('9.9.9').exitOverride();
    command.configureOutput({ writeOut: (s) => (printed += s) });
    expect(() => parseGatewayArgs(command, ['node', 'mqttsn-gateway', '--version'])).toThrow('9.9.9');
    expect(printed.trim()).toBe('9.9.9');
  });

  it("reads the package's version", () => {
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(packageVersion()).not.toBe('0.0.0');
  });
});
