/** Commands, fleet options, scenario files and the command line: every bad input is a clear error. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSimCommand, runOptionsFrom, type SimCliOptions } from './cli-options.js';
import { parseCommands } from './commands.js';
import { parseHostPort, parseSourceAddresses } from './links/udp.js';
import { OptionsError, resolveFleet, resolveFleets } from './options.js';
import { parseScenario } from './scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'firmware-sim-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parseArgs(...args: string[]): SimCliOptions {
  const command = buildSimCommand('test')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  command.parse(['node', 'firmware-sim', ...args]);
  return command.opts<SimCliOptions>();
}

describe('parseCommands', () => {
  it('reads key=value pairs and report', () => {
    expect(parseCommands(Buffer.from('interval=5'))).toEqual({
      ok: true,
      commands: [{ kind: 'interval', seconds: 5 }],
    });
    expect(parseCommands(Buffer.from(' sleep=30, qos=2;report '))).toEqual({
      ok: true,
      commands: [{ kind: 'sleep', seconds: 30 }, { kind: 'qos', qos: 2 }, { kind: 'report' }],
    });
  });

  it.each([
    ['', 'empty command'],
    ['interval=0', 'interval must be'],
    ['interval=abc', 'expected interval=<number>'],
    ['sleep=1.5', 'whole number'],
    ['sleep=70000', 'whole number'],
    ['qos=3', 'qos must be'],
    ['reboot=1', "unknown command 'reboot'"],
  ])('rejects %j', (text, message) => {
    const parsed = parseCommands(Buffer.from(text));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});

describe('fleet options', () => {
  it('fills defaults', () => {
    expect(resolveFleet({ sensors: 3 }, 'options')).toMatchObject({
      sensors: 3,
      qos: 1,
      interval: 10,
      sleep: 0,
    });
  });

  it.each([
    [{ sensors: 0 }, 'sensors'],
    [{ qos: -1 as const }, 'QoS -1 needs a predefined topic id or a short topic name'],
    [{ short: 'abc' }, 'exactly 2 octets'],
    [{ predefined: 1, short: 'ab' }, 'not both'],
    [{ sleep: 1.5 }, 'sleep'],
    [{ idPrefix: 'a-very-long-client-id-prefix-' }, 'longer than 23'],
    [{ tRetry: 0 }, 'T_retry'],
  ])('rejects %j', (fleet, message) => {
    expect(() => resolveFleet(fleet, 'options')).toThrow(OptionsError);
    expect(() => resolveFleet(fleet, 'options')).toThrow(message);
  });

  it('rejects two fleets with one id prefix', () => {
    expect(() => resolveFleets([{ idPrefix: 'a-' }, { idPrefix: 'a-' }])).toThrow(
      'two fleets use the id prefix',
    );
  });

  it('parses host:port and source addresses', () => {
    expect(parseHostPort('127.0.0.1:1884')).toEqual({ host: '127.0.0.1', port: 1884 });
    expect(parseHostPort('[::1]:1884')).toEqual({ host: '::1', port: 1884 });
    expect(() => parseHostPort('localhost')).toThrow('expected host:port');
    expect(parseSourceAddresses('3')).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    expect(parseSourceAddresses('127.0.0.5, 127.0.0.6')).toEqual(['127.0.0.5', '127.0.0.6']);
  });
});

describe('scenario files', () => {
  it('reads a list of fleets or { fleets }', () => {
    expect(
      parseScenario('[{"sensors":2,"qos":0},{"sensors":1,"idPrefix":"d-","sleep":30}]', 's.json'),
    ).toEqual([
      { sensors: 2, qos: 0 },
      { sensors: 1, idPrefix: 'd-', sleep: 30 },
    ]);
    expect(parseScenario('{"fleets":[{"will":true}]}', 's.json')).toEqual([{ will: true }]);
  });

  it.each([
    ['{', 'not valid JSON'],
    ['[]', 'non-empty list'],
    ['[{"sensorz":1}]', "fleet 1: unknown option 'sensorz'"],
    ['[{"sensors":"2"}]', "'sensors' must be a number"],
    ['[3]', 'expected an object'],
  ])('rejects %s', (text, message) => {
    expect(() => parseScenario(text, 's.json')).toThrow(message);
  });
});

describe('command line', () => {
  it('turns options into a UDP run', () => {
    const run = runOptionsFrom(
      parseArgs('--udp', '127.0.0.1:1884', '--sensors', '5', '--qos', '2', '--no-clean', '--seed', '4'),
    );
    expect(run.transport).toEqual({ kind: 'udp', gateway: '127.0.0.1:1884', sourceAddresses: undefined });
    expect(run.fleets[0]).toMatchObject({ sensors: 5, qos: 2, clean: false });
    expect(run.seed).toBe(4);
  });

  it('takes --qos -1 with a predefined topic id', () => {
    const run = runOptionsFrom(parseArgs('--udp', '127.0.0.1:1884', '--qos', '-1', '--predefined', '3'));
    expect(run.fleets[0]).toMatchObject({ qos: -1, predefined: 3 });
  });

  it('chooses the forwarder, serial and discovery transports', () => {
    expect(runOptionsFrom(parseArgs('--udp', '127.0.0.1:1884', '--forwarder')).transport.kind).toBe(
      'forwarder',
    );
    expect(
      runOptionsFrom(parseArgs('--serial', '/dev/ttyUSB0', '--framing', 'xbee-api2')).transport,
    ).toMatchObject({
      kind: 'serial',
      framing: 'xbee-api2',
    });
    const discover = runOptionsFrom(parseArgs('--discover'));
    expect(discover.transport).toMatchObject({ kind: 'udp', gateway: '255.255.255.255:1883' });
    expect(discover.fleets[0]).toMatchObject({ discover: true });
  });

  it('merges a scenario with the command-line defaults and numbers the prefixes', () => {
    const file = join(dir, 'mixed.json');
    writeFileSync(
      file,
      JSON.stringify([
        { sensors: 2, sleep: 30 },
        { sensors: 3, qos: -1, short: 'tt' },
      ]),
    );
    const run = runOptionsFrom(parseArgs('--udp', '127.0.0.1:1884', '--interval', '5', '--scenario', file));
    expect(run.fleets).toHaveLength(2);
    expect(run.fleets[0]).toMatchObject({ sensors: 2, sleep: 30, interval: 5, idPrefix: 's1-' });
    expect(run.fleets[1]).toMatchObject({ sensors: 3, qos: -1, short: 'tt', interval: 5, idPrefix: 's2-' });
  });

  it.each([
    [[], 'say where the gateway is'],
    [['--serial', '/dev/x'], '--serial needs --framing'],
    [['--serial', '/dev/x', '--framing', 'raw', '--udp', '1.2.3.4:5'], 'cannot be combined'],
    [['--udp', '127.0.0.1:1884', '--framing', 'raw'], '--framing and --baud go with --serial'],
  ])('rejects %j', (args, message) => {
    expect(() => runOptionsFrom(parseArgs(...args))).toThrow(message);
  });

  it.each([
    ['--qos', '3'],
    ['--sensors', '0'],
    ['--loss', '150'],
    ['--framing', 'xbee'],
  ])('commander rejects %s %s', (option, value) => {
    expect(() => parseArgs(option, value)).toThrow();
  });
});
