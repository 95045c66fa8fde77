/**
 * Parsers for the structured values of gateway.conf: listeners, UDP sockets, host:port and serial
 * lines. Repeatable keys parse each occurrence into a list that the loader appends.
 */
import { isIP } from 'node:net';
import { ValueError } from './errors.js';
import type { HostPort, ListenerSpec, SerialFraming, SerialLineSpec, UdpListenerSpec } from './types.js';
import { mismatch, parseIntegerIn, type ValueType } from './value-types.js';

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function words(raw: string): string[] {
  return raw.split(/\s+/).filter((w) => w !== '');
}

function unbracket(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

/** Errors quote the whole value (`got '1883 10.0.0.1 x'`), not just the port word. */
function parsePort(word: string, min: number, expected: string, wholeValue: string): number {
  const port = /^\d+$/.test(word) ? Number(word) : -1;
  if (port < min || port > 65_535) throw mismatch(expected, wholeValue);
  return port;
}

const LISTENER_EXPECTED = "'PORT [BIND_ADDRESS]' with PORT 0..65535 and an IP address or host name";

/** `listener PORT [BIND_ADDRESS]` (and the TLS / WebSocket variants), as in mosquitto. */
export const listenerSpec: ValueType<ListenerSpec[]> = {
  expected: LISTENER_EXPECTED,
  parse(raw) {
    const [portWord, bindWord, ...rest] = words(raw);
    if (portWord === undefined || rest.length > 0) throw mismatch(LISTENER_EXPECTED, raw);
    const port = parsePort(portWord, 0, LISTENER_EXPECTED, raw);
    if (bindWord === undefined) return [{ port }];
    const bind = unbracket(bindWord);
    if (isIP(bind) === 0 && !HOST_NAME.test(bind)) throw mismatch(LISTENER_EXPECTED, raw);
    return [{ port, bind }];
  },
};

const UDP_EXPECTED = "'PORT [BIND_ADDRESS]' with PORT 0..65535 and an IPv4 or IPv6 address";

/** Without an address, one socket per family (0.0.0.0 and ::) so IPv4 broadcast keeps working. */
export function udpOnAllAddresses(port: number): UdpListenerSpec[] {
  return [
    { port, bind: '0.0.0.0', family: 4 },
    { port, bind: '::', family: 6 },
  ];
}

/** `mqttsn_udp PORT [BIND_ADDRESS]`; the address must be an IP literal (it decides the family). */
export const udpListenerSpec: ValueType<UdpListenerSpec[]> = {
  expected: UDP_EXPECTED,
  parse(raw) {
    const [portWord, bindWord, ...rest] = words(raw);
    if (portWord === undefined || rest.length > 0) throw mismatch(UDP_EXPECTED, raw);
    const port = parsePort(portWord, 0, UDP_EXPECTED, raw);
    if (bindWord === undefined) return udpOnAllAddresses(port);
    const bind = unbracket(bindWord);
    const family = isIP(bind);
    if (family !== 4 && family !== 6) throw mismatch(UDP_EXPECTED, raw);
    return [{ port, bind, family }];
  },
};

const HOST_PORT_EXPECTED = "'ADDRESS[:PORT]' with an IP address ([v6]:port for IPv6) and PORT 1..65535";
const DEFAULT_MQTTSN_PORT = 1883;

/** `HOST[:PORT]`, `[V6]:PORT` or a bare IPv6 address; the port defaults to 1883. */
export const hostPort: ValueType<HostPort> = {
  expected: HOST_PORT_EXPECTED,
  parse(raw) {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
    let host: string;
    let portWord: string | undefined;
    if (bracketed !== null) {
      host = bracketed[1] ?? '';
      portWord = bracketed[2];
    } else if (isIP(raw) === 6) {
      host = raw;
    } else {
      const colon = raw.lastIndexOf(':');
      host = colon < 0 ? raw : raw.slice(0, colon);
      portWord = colon < 0 ? undefined : raw.slice(colon + 1);
    }
    if (isIP(host) === 0) throw mismatch(HOST_PORT_EXPECTED, raw);
    const port =
      portWord === undefined ? DEFAULT_MQTTSN_PORT : parsePort(portWord, 1, HOST_PORT_EXPECTED, raw);
    return { host, port };
  },
};

const SERIAL_EXPECTED =
  "'DEVICE [baud=N] [framing=raw|xbee-api1|xbee-api2] [client=CLIENT_ID]', e.g. '/dev/ttyUSB0 baud=115200 framing=xbee-api2'";
const FRAMINGS: readonly SerialFraming[] = ['raw', 'xbee-api1', 'xbee-api2'];
const DEFAULT_BAUD = 115_200;
/** MQTT-SN §5.3.1: a ClientId is 1 to 23 characters. */
const MAX_CLIENT_ID = 23;

/** `serial DEVICE [baud=N] [framing=F] [client=ID]`: options in any order, each at most once. */
export const serialLineSpec: ValueType<SerialLineSpec[]> = {
  expected: SERIAL_EXPECTED,
  parse(raw) {
    const [device, ...options] = words(raw);
    if (device === undefined || device.includes('=')) throw mismatch(SERIAL_EXPECTED, raw);
    const line: SerialLineSpec = { device, baudRate: DEFAULT_BAUD, framing: 'raw' };
    const seen = new Set<string>();
    for (const option of options) {
      const [name = '', value = ''] = splitOption(option);
      if (seen.has(name)) throw new ValueError(`option '${name}' given twice in '${raw}'`);
      seen.add(name);
      applySerialOption(line, name, value, option);
    }
    return [line];
  },
};

function splitOption(option: string): [string, string] {
  const eq = option.indexOf('=');
  if (eq <= 0 || eq === option.length - 1) {
    throw new ValueError(`expected an option NAME=VALUE (baud=, framing=, client=), got '${option}'`);
  }
  return [option.slice(0, eq).toLowerCase(), option.slice(eq + 1)];
}

function applySerialOption(line: SerialLineSpec, name: string, value: string, option: string): void {
  switch (name) {
    case 'baud':
      line.baudRate = parseIntegerIn(value, 50, 4_000_000, 'baud=N with N an integer 50..4000000');
      return;
    case 'framing': {
      const framing = FRAMINGS.find((f) => f === value.toLowerCase());
      if (framing === undefined) throw mismatch(`framing=${FRAMINGS.join('|')}`, option);
      line.framing = framing;
      return;
    }
    case 'client':
      if (value.length > MAX_CLIENT_ID) {
        throw mismatch(`client=ID with ID 1..${MAX_CLIENT_ID} characters (MQTT-SN §5.3.1)`, option);
      }
      line.clientId = value;
      return;
    default:
      throw new ValueError(`unknown option '${name}' (expected baud=, framing= or client=)`);
  }
}
