/**
 * Per-client gateway state survives a restart (DESIGN.md "Topic ids"; research §4 item 9: Paho,
 * EMQX and RSMB lose registrations): topic ids of a CleanSession=0 client, its will, and a
 * sleeping client's state, restored from the same store by a new broker + gateway.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReturnCode } from '../../../src/codec/mqttsn/index.js';
import { createMemoryStore } from '../../../src/store/memory.js';
import { createSqliteStore } from '../../../src/store/sqlite.js';
import { type Harness, MqttWatcher, startHarness } from '../../helpers/mqttsn/harness.js';
import { SnTestClient } from '../../helpers/mqttsn/sn-client.js';

let harness: Harness | undefined;
const clients: SnTestClient[] = [];
const watchers: MqttWatcher[] = [];

const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await harness?.close();
  await harness?.store.close().catch(() => {});
  harness = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Stop the running gateway and start a new one on the same UDP port and store. */
async function restart(h: Harness): Promise<Harness> {
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await h.close();
  harness = await startHarness({ store: h.store, port: h.port });
  return harness;
}

describe('09 restart with the same store', () => {
  it("a CleanSession=0 client's topic ids still work after a restart", async () => {
    const h = await startHarness({ store: createMemoryStore() });
    harness = h;
    const c = await SnTestClient.open({ port: h.port });
    clients.push(c);
    await c.connect('keeper', { cleanSession: false });
    const ids = [await c.register('keep/a'), await c.register('keep/b', 2)];
    const h2 = await restart(h);
    const w = await MqttWatcher.subscribe(h2.mqtt.port, 'keep/#');
    watchers.push(w);
    // Not connected to the new gateway yet: §6.12.
    c.send({ type: 'PINGREQ' });
    await c.expect('DISCONNECT');
    expect(await c.connect('keeper', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    for (const [i, id] of ids.entries()) {
      c.send({
        type: 'PUBLISH',
        dup: false,
        qos: 1,
        retain: false,
        topic: { type: 'normal', id },
        msgId: 10 + i,
        payload: Buffer.from(`v${i}`),
      });
      expect((await c.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    }
    expect((await w.waitFor(2)).map((m) => m.topic)).toEqual(['keep/a', 'keep/b']);
    // New registrations do not reuse a kept id.
    expect(ids).not.toContain(await c.register('keep/c', 3));
  });

  it('a CleanSession=1 CONNECT after the restart starts with an empty topic table', async () => {
    const h = await startHarness({ store: createMemoryStore() });
    harness = h;
    const c = await SnTestClient.open({ port: h.port });
    clients.push(c);
    await c.connect('cleaner', { cleanSession: false });
    const id = await c.register('clean/a');
    await restart(h);
    await c.connect('cleaner', { cleanSession: true });
    c.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id },
      msgId: 1,
      payload: Buffer.from('x'),
    });
    expect((await c.expect('PUBACK')).returnCode).toBe(ReturnCode.INVALID_TOPIC_ID);
  });

  it('a client asleep across the restart wakes up to what was buffered for it', async () => {
    const h = await startHarness({ store: createMemoryStore() });
    harness = h;
    const c = await SnTestClient.open({ port: h.port });
    clients.push(c);
    await c.connect('dreamer', { cleanSession: false });
    c.send({ type: 'SUBSCRIBE', dup: false, qos: 1, msgId: 1, topic: { type: 'name', name: 'dream/#' } });
    await c.expect('SUBACK');
    c.send({ type: 'DISCONNECT', duration: 60 });
    await c.expect('DISCONNECT');
    const h2 = await restart(h);
    expect(h2.gateway.stats().clients.asleep).toBe(1);
    const pub = await MqttWatcher.subscribe(h2.mqtt.port, 'unused');
    watchers.push(pub);
    await pub.publish('dream/on', 'after restart', 1);
    c.send({ type: 'PINGREQ', clientId: 'dreamer' });
    const reg = await c.expect('REGISTER');
    c.send({ type: 'REGACK', topicId: reg.topicId, msgId: reg.msgId, returnCode: ReturnCode.ACCEPTED });
    const p = await c.expect('PUBLISH');
    expect(p.payload.toString()).toBe('after restart');
    c.send({ type: 'PUBACK', topicId: reg.topicId, msgId: p.msgId, returnCode: ReturnCode.ACCEPTED });
    await c.expect('PINGRESP');
  });

  it('a client asleep across the restart that never wakes is lost and its will published', async () => {
    const h = await startHarness({ store: createMemoryStore() });
    harness = h;
    const c = await SnTestClient.open({ port: h.port });
    clients.push(c);
    await c.connect('sleeper', {
      cleanSession: false,
      will: { topic: 'wills/sleeper', message: 'gone for good' },
    });
    c.send({ type: 'DISCONNECT', duration: 1 });
    await c.expect('DISCONNECT');
    const h2 = await restart(h);
    const w = await MqttWatcher.subscribe(h2.mqtt.port, 'wills/#');
    watchers.push(w);
    expect((await w.waitFor(1))[0]).toMatchObject({ topic: 'wills/sleeper', payload: 'gone for good' });
  });

  it('topic ids and a sleeping client survive a restart on SQLite (a new process would open the same file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sn-restart-'));
    dirs.push(dir);
    const h = await startHarness({ store: createSqliteStore({ directory: dir, sync: 'normal' }) });
    harness = h;
    const c = await SnTestClient.open({ port: h.port });
    clients.push(c);
    await c.connect('disk', { cleanSession: false, will: { topic: 'wills/disk', message: 'from disk' } });
    const id = await c.register('disk/a');
    c.send({ type: 'DISCONNECT', duration: 60 });
    await c.expect('DISCONNECT');
    await h.close();
    await h.store.close();
    const h2 = await startHarness({
      store: createSqliteStore({ directory: dir, sync: 'normal' }),
      port: h.port,
    });
    harness = h2;
    expect(h2.gateway.stats().clients.asleep).toBe(1);
    const w = await MqttWatcher.subscribe(h2.mqtt.port, 'disk/#');
    watchers.push(w);
    expect(await c.connect('disk', { cleanSession: false })).toBe(ReturnCode.ACCEPTED);
    c.send({
      type: 'PUBLISH',
      dup: false,
      qos: 1,
      retain: false,
      topic: { type: 'normal', id },
      msgId: 1,
      payload: Buffer.from('persisted'),
    });
    expect((await c.expect('PUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    expect((await w.waitFor(1))[0]).toMatchObject({ topic: 'disk/a', payload: 'persisted' });
  });
});
