/**
 * 19 CONNECT against mosquitto: what CONNACK says for v5 requests (response information,
 * problem information, an authentication method nobody configured), user name and password on
 * an anonymous listener, an unsupported protocol level, a bad protocol name, and malformed
 * flags (reserved bit, will QoS 3, will retain without will) [MQTT-3.1.2-3], [MQTT-3.1.2-14].
 */
import { describe, it } from 'vitest';
import { expectSameAsMosquitto } from './helpers/scenario.js';

const ascii = (s: string): number[] => [...Buffer.from(s)];
/** A CONNECT with the given protocol name, level and flags, keep-alive 60, client id "c". */
function connectBytes(name: string, level: number, flags: number, v5 = false): Buffer {
  const body = [0, name.length, ...ascii(name), level, flags, 0, 60, ...(v5 ? [0] : []), 0, 1, 0x63];
  return Buffer.from([0x10, body.length, ...body]);
}

describe('19 CONNECT', () => {
  it('19-01 v5 CONNACK for response/problem information requests; user name and password accepted', async () => {
    await expectSameAsMosquitto(async (run) => {
      const a = await run.connect('a', {
        version: 5,
        clientId: 'a',
        properties: { requestResponseInformation: true, requestProblemInformation: false },
      });
      await a.ping();
      const b = await run.connect('b', { version: 4, clientId: 'b' });
      await b.ping();
      const c = await run.open('c', { version: 4, clientId: 'c' });
      c.send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: 'c',
        clean: true,
        keepalive: 60,
        username: 'u',
        password: Buffer.from('p'),
      });
      await c.waitFor('connack', (p) => p.cmd === 'connack');
    });
  });

  it('19-02 v5 CONNECT with an authentication method no plugin handles', async () => {
    await expectSameAsMosquitto(async (run) => {
      const a = await run.connect('a', {
        version: 5,
        clientId: 'a',
        properties: { authenticationMethod: 'SCRAM-SHA-1' },
      });
      await a.waitClosed();
    });
  });

  it('19-03 unsupported protocol level, bad protocol name, reserved flag, will QoS 3, will retain without will', async () => {
    await expectSameAsMosquitto(async (run) => {
      const cases: Array<[string, Buffer]> = [
        ['level 6', connectBytes('MQTT', 6, 0x02)],
        ['level 7 as 3.1', connectBytes('MQIsdp', 7, 0x02)],
        ['name MQTX', connectBytes('MQTX', 4, 0x02)],
        ['reserved bit', connectBytes('MQTT', 4, 0x03)],
        ['will retain without will', connectBytes('MQTT', 4, 0x22)],
      ];
      for (const [name, bytes] of cases) {
        const c = await run.open(name, { version: name.startsWith('v5') ? 5 : 4, clientId: 'c' });
        c.send(bytes);
        await c.waitClosed();
      }
    });
  });

  it('19-05 v5 CONNECT with the reserved flag set', async () => {
    await expectSameAsMosquitto(async (run) => {
      const c = await run.open('c', { version: 5, clientId: 'c' });
      c.send(connectBytes('MQTT', 5, 0x03, true));
      await c.waitClosed();
    });
  });

  it('19-04 keep-alive 0 is accepted and never times out', async () => {
    await expectSameAsMosquitto(async (run) => {
      const a = await run.connect('a', { version: 4, clientId: 'a', keepalive: 0 });
      await a.ping();
    });
  });

  it('19-06 long (200 characters) and non-ASCII client ids are accepted in 3.1.1 and 5', async () => {
    await expectSameAsMosquitto(async (run) => {
      for (const version of [4, 5] as const) {
        const long = await run.connect(`long${version}`, { version, clientId: 'x'.repeat(200) + version });
        await long.ping();
        const accented = await run.connect(`accented${version}`, {
          version,
          clientId: `capteur-é-${version}`,
        });
        await accented.ping();
      }
    });
  });
});
