/**
 * DUP is set only on re-sends (MQTT-SN §5.3.4, [MQTT-3.3.1-1]). The core hands a QoS≥1 message to
 * the gateway and keeps it in flight; if the link goes away before the gateway put it on the air
 * (its REGISTER still unanswered), the core redelivers it marked DUP — but the client never saw
 * it, so the gateway sends it without DUP. Also across a gateway restart (saved gateway state).
 */
import { describe, expect, it } from 'vitest';
import { ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { closeAfterEach } from '../../helpers/mqttsn/close-after-each.js';
import { type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

const bed = closeAfterEach();
const { clients, watchers } = bed;

/** An active client whose REGISTER for a routed QoS 1 message stays unanswered; then it sleeps. */
async function sleepsBeforeRegack(h: Harness, id: string): Promise<SnTestClient> {
  const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
  watchers.push(pub);
  const c = await SnTestClient.open({ port: h.port });
  clients.push(c);
  await c.connect(id, { cleanSession: false });
  c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'name', name: 'reg/#' } });
  await c.expect('SUBACK');
  await pub.publish('reg/first', 'never sent yet', 1);
  expect((await c.expect('REGISTER')).topicName).toBe('reg/first'); // not answered
  c.send({ type: 'DISCONNECT', duration: 60 });
  await c.expect('DISCONNECT');
  return c;
}

/** Wake up, answer the REGISTER, and return the PUBLISH that follows (acked), up to PINGRESP. */
async function wakeAndTake(c: SnTestClient, id: string) {
  c.send({ type: 'PINGREQ', clientId: id });
  const reg = await c.expect('REGISTER');
  c.send({ type: 'REGACK', topicId: reg.topicId, msgId: reg.msgId, returnCode: ReturnCode.ACCEPTED });
  const p = await c.expect('PUBLISH');
  c.send({ type: 'PUBACK', topicId: reg.topicId, msgId: p.msgId, returnCode: ReturnCode.ACCEPTED });
  await c.expect('PINGRESP');
  return p;
}

describe('16 DUP only on re-sends', () => {
  it('a PUBLISH that waited for its REGACK when the client fell asleep goes at wake-up with DUP=0', async () => {
    const h = await startHarness({ gateway: { tRetry: 5 } });
    bed.harness = h;
    const c = await sleepsBeforeRegack(h, 'regsleeper');
    const p = await wakeAndTake(c, 'regsleeper');
    expect(p.payload.toString()).toBe('never sent yet');
    expect(p.dup).toBe(false);
  });

  it('the same across a gateway restart (the never-sent ids are saved with the gateway state)', async () => {
    const h = await startHarness({ store: createMemoryStore(), gateway: { tRetry: 5 } });
    bed.harness = h;
    const c = await sleepsBeforeRegack(h, 'regrestart');
    await Promise.all(watchers.splice(0).map((w) => w.close()));
    await h.close();
    bed.harness = await startHarness({ store: h.store, port: h.port, gateway: { tRetry: 5 } });
    const p = await wakeAndTake(c, 'regrestart');
    expect(p.payload.toString()).toBe('never sent yet');
    expect(p.dup).toBe(false);
  });

  it('a PUBLISH that did go out is re-sent with DUP=1 after the client slept without answering', async () => {
    const h = await startHarness({ gateway: { tRetry: 5 } });
    bed.harness = h;
    const pub = await MqttWatcher.subscribe(h.mqtt.port, 'unused');
    watchers.push(pub);
    const c = await SnTestClient.open({ port: h.port });
    clients.push(c);
    await c.connect('sentonce', { cleanSession: false });
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'short', name: 'ab' } });
    await c.expect('SUBACK');
    await pub.publish('ab', 'sent once', 1);
    const first = await c.expect('PUBLISH');
    expect(first.dup).toBe(false);
    c.send({ type: 'DISCONNECT', duration: 60 });
    await c.expect('DISCONNECT');
    c.send({ type: 'PINGREQ', clientId: 'sentonce' });
    const again = await c.expect('PUBLISH');
    expect(again).toMatchObject({ dup: true, msgId: first.msgId });
  });
});
