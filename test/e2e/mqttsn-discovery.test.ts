/**
 * Issue 4 "Gateway discovery: periodic ADVERTISE to a configurable broadcast/multicast address"
 * (MQTT-SN §6.1), end to end: the real app started from a gateway.conf text sends ADVERTISE to the
 * `advertise_address` it is given, and a UDP socket listening there receives it —
 *   - the loopback broadcast address 127.255.255.255 (the receiver is bound to that address, so it
 *     only gets datagrams sent to the broadcast address);
 *   - an IPv4 multicast group joined on the loopback interface (the receiver is bound to the group);
 *   - an IPv6 multicast group, sent by the gateway's IPv6 socket (the group is joined on the
 *     interface that carries IPv6 multicast here: loopback has no IPv6 multicast route on Linux).
 */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApp, startGateway } from '../../src/app.js';
import { decode, type MqttSnPacket } from '../../src/codec/mqttsn/index.js';
import { parseGatewayConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/observe/logger.js';

let app: RunningApp | undefined;
const sockets: dgram.Socket[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await app?.close();
  app = undefined;
  await Promise.all(sockets.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A socket of `type` bound to `address` on a port the OS chose, collecting MQTT-SN messages. */
async function listener(
  type: 'udp4' | 'udp6',
  address: string,
  join?: (socket: dgram.Socket) => void,
): Promise<{ port: number; next: () => Promise<MqttSnPacket> }> {
  // The port is chosen by binding a wildcard socket first, then reused for the bound address.
  const probe = dgram.createSocket({ type, reuseAddr: true });
  await new Promise<void>((resolve) => probe.bind(0, type === 'udp4' ? '0.0.0.0' : '::', () => resolve()));
  const port = probe.address().port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const socket = dgram.createSocket({ type, reuseAddr: true });
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(port, address, () => resolve()));
  join?.(socket);
  const received: MqttSnPacket[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (data) => {
    const result = decode(data);
    received.push(result.ok ? result.packet : { type: 'PINGRESP' });
    wake?.();
  });
  const next = async (): Promise<MqttSnPacket> => {
    const deadline = Date.now() + 5000;
    while (received.length === 0) {
      if (Date.now() > deadline) throw new Error(`nothing received on ${address}:${port}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const packet = received.shift();
    if (packet === undefined) throw new Error('unreachable');
    return packet;
  };
  return { port, next };
}

async function startWith(lines: string[]): Promise<RunningApp> {
  const dir = mkdtempSync(join(tmpdir(), 'sn-discovery-'));
  dirs.push(dir);
  const text = ['listener 0 127.0.0.1', 'persistence false', 'sys_interval 0', ...lines].join('\n');
  app = await startGateway(parseGatewayConfig(text, { file: 'discovery.conf', baseDir: dir }), silentLogger);
  return app;
}

/** The interface that carries IPv6 multicast here (the one of the default ff00::/8 route). */
function ipv6MulticastInterface(): string {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (name !== 'lo' && addresses?.some((a) => a.family === 'IPv6' && !a.internal)) return name;
  }
  throw new Error('no interface with an IPv6 address for the IPv6 multicast case');
}

describe('ADVERTISE reaches the configured address (MQTT-SN §6.1)', () => {
  it('the broadcast address 127.255.255.255', async () => {
    const at = await listener('udp4', '127.255.255.255');
    await startWith([
      'mqttsn_udp 0 127.0.0.1',
      'gateway_id 9',
      'advertise_interval 900',
      `advertise_address 127.255.255.255:${at.port}`,
    ]);
    expect(await at.next()).toEqual({ type: 'ADVERTISE', gwId: 9, duration: 900 });
  });

  it('an IPv4 multicast group joined on loopback', async () => {
    const group = '239.255.77.1';
    const at = await listener('udp4', group, (s) => s.addMembership(group, '127.0.0.1'));
    await startWith([
      'mqttsn_udp 0 127.0.0.1',
      'gateway_id 10',
      'advertise_interval 60',
      `advertise_address ${group}:${at.port}`,
    ]);
    expect(await at.next()).toEqual({ type: 'ADVERTISE', gwId: 10, duration: 60 });
  });

  it('an IPv6 multicast group, from the IPv6 socket', async () => {
    const group = 'ff15::4d:1';
    const iface = ipv6MulticastInterface();
    const at = await listener('udp6', '::', (s) => s.addMembership(group, `::%${iface}`));
    await startWith([
      'mqttsn_udp 0 127.0.0.1',
      'mqttsn_udp 0 ::',
      'gateway_id 11',
      'advertise_interval 30',
      `advertise_address [${group}]:${at.port}`,
    ]);
    expect(await at.next()).toEqual({ type: 'ADVERTISE', gwId: 11, duration: 30 });
  });
});

describe('SEARCHGW is answered by GWINFO (MQTT-SN §5.4.3, §6.1)', () => {
  it('broadcast on the transport it came in on, and unicast to the searcher', async () => {
    const at = await listener('udp4', '127.255.255.255');
    const running = await startWith([
      'mqttsn_udp 0 127.0.0.1',
      'gateway_id 12',
      'advertise_interval 0',
      `advertise_address 127.255.255.255:${at.port}`,
    ]);
    const searcher = dgram.createSocket('udp4');
    sockets.push(searcher);
    const unicast = new Promise<MqttSnPacket>((resolve) =>
      searcher.once('message', (data) => {
        const result = decode(data);
        if (result.ok) resolve(result.packet);
      }),
    );
    await new Promise<void>((resolve) => searcher.bind(0, '127.0.0.1', () => resolve()));
    searcher.send(Buffer.from([0x03, 0x01, 0x01]), running.mqttsnPorts[0], '127.0.0.1'); // SEARCHGW radius 1
    expect(await unicast).toEqual({ type: 'GWINFO', gwId: 12 });
    expect(await at.next()).toEqual({ type: 'GWINFO', gwId: 12 });
  });
});
