/**
 * A ClientId is any UTF-8 the client chose (MQTT-SN §5.3.1), a topic name any an MQTT publisher
 * chose: neither may write a log line of its own. Every gateway log line naming them has their
 * control characters escaped ("\n" → "\\n"), so a sink writing one line per call stays one line.
 */
import { describe, expect, it } from 'vitest';
import { ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { closeAfterEach } from '../../helpers/mqttsn/close-after-each.js';
import { MqttWatcher, startHarness, waitUntil } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

const bed = closeAfterEach();
const { clients, watchers } = bed;

async function open(port: number): Promise<SnTestClient> {
  const c = await SnTestClient.open({ port });
  clients.push(c);
  return c;
}

const EVIL = 'evil\nFORGED line';
const ESCAPED = 'evil\\nFORGED line';

describe('20 peer-chosen strings in log lines are escaped', () => {
  it('ClientId and topic names with "\\n" never split a log line (moved, rejected REGISTER, lost, unknown PINGREQ)', async () => {
    const h = await startHarness();
    bed.harness = h;
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused/never');
    watchers.push(pub);
    const lines = h.logLines;

    const first = await open(h.port);
    expect(await first.connect(EVIL)).toBe(ReturnCode.ACCEPTED);
    const c = await open(h.port);
    expect(await c.connect(EVIL, { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    await waitUntil(() => lines.some((l) => l.includes('moved from')), 3000, 'the "moved" line');

    c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'name', name: 'inj/#' } });
    await c.expect('SUBACK');
    await pub.publish('inj/a\nFORGED topic', 'x', 1);
    const register = await c.expect('REGISTER');
    c.send({
      type: 'REGACK',
      topicId: register.topicId,
      msgId: register.msgId,
      returnCode: ReturnCode.INVALID_TOPIC_ID,
    });
    await waitUntil(
      () => lines.some((l) => l.includes('rejected REGISTER')),
      3000,
      'the rejected REGISTER line',
    );

    // Not answering the next REGISTER: after N_retry the client is lost (MQTT-SN §6.13).
    await pub.publish('inj/b', 'y', 1);
    await c.expect('REGISTER');
    await waitUntil(() => lines.some((l) => l.includes(' lost: ')), 5000, 'the lost line');

    const stranger = await open(h.port);
    stranger.send({ type: 'PINGREQ', clientId: 'who\r\nFORGED' });
    await stranger.expect('DISCONNECT');

    expect(lines.filter((l) => /[\r\n]/.test(l))).toEqual([]);
    expect(lines.find((l) => l.includes('moved from'))).toContain(ESCAPED);
    expect(lines.find((l) => l.includes('rejected REGISTER'))).toContain('inj/a\\nFORGED topic');
    expect(lines.find((l) => l.includes('rejected REGISTER'))).toContain(ESCAPED);
    expect(lines.find((l) => l.includes(' lost: '))).toContain(ESCAPED);
    expect(lines.find((l) => l.includes('unknown client'))).toContain('who\\r\\nFORGED');
  });
});
