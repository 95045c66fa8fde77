/** Wills, will delay, session expiry, MQTT-SN sleep (detach/resume/expire) and $SYS, on fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReasonCode } from '../../../src/broker/types.js';
import { connect, FakeLink, linkInfo, makeBroker, message, publish, settle } from './helpers.js';

beforeEach(() => {
  // setImmediate stays real so settle() still works.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const will = (delayInterval?: number) => ({
  topic: 'will',
  payload: Buffer.from('gone'),
  qos: 1 as const,
  retain: false,
  ...(delayInterval === undefined ? {} : { delayInterval }),
});

function watcher(broker: ReturnType<typeof makeBroker>) {
  const w = connect(broker, 'watcher');
  w.session.subscribe([{ filter: 'will', qos: 1 }]);
  return w;
}

describe('wills', () => {
  it('is published when the connection is lost, not after a normal DISCONNECT', () => {
    const broker = makeBroker();
    const w = watcher(broker);
    connect(broker, 'a', { will: will() }).session.disconnect({ publishWill: false });
    expect(w.link.deliveries).toHaveLength(0);
    const events: string[] = [];
    broker.on('willPublished', (e) => events.push(e.clientId));
    connect(broker, 'b', { will: will() }).session.disconnect({ publishWill: true });
    expect(w.link.payloads()).toEqual(['gone']);
    expect(events).toEqual(['b']);
  });

  it('waits for the will delay interval, then publishes', () => {
    const broker = makeBroker();
    const w = watcher(broker);
    connect(broker, 'a', { cleanStart: false, sessionExpiry: 60, will: will(5) }).session.disconnect({
      publishWill: true,
    });
    vi.advanceTimersByTime(4900);
    expect(w.link.deliveries).toHaveLength(0);
    vi.advanceTimersByTime(200);
    expect(w.link.payloads()).toEqual(['gone']);
  });

  it('is not published when the client reconnects before the delay elapses [MQTT-3.1.3-9]', () => {
    const broker = makeBroker();
    const w = watcher(broker);
    connect(broker, 'a', { cleanStart: false, sessionExpiry: 60, will: will(5) }).session.disconnect({
      publishWill: true,
    });
    vi.advanceTimersByTime(2000);
    connect(broker, 'a', { cleanStart: false, sessionExpiry: 60 });
    vi.advanceTimersByTime(10_000);
    expect(w.link.deliveries).toHaveLength(0);
  });

  it('is published when the session ends before the delay (MQTT 5 §3.1.3.2.2)', () => {
    const broker = makeBroker();
    const w = watcher(broker);
    connect(broker, 'a', { cleanStart: false, sessionExpiry: 2, will: will(30) }).session.disconnect({
      publishWill: true,
    });
    vi.advanceTimersByTime(2100);
    expect(w.link.payloads()).toEqual(['gone']);
  });

  it('setWill replaces or clears the will (MQTT-SN WILLTOPICUPD / WILLMSGUPD, §6.4)', () => {
    const broker = makeBroker();
    const w = watcher(broker);
    const a = connect(broker, 'a', { will: will() });
    a.session.setWill({ ...will(), payload: Buffer.from('updated') });
    a.session.disconnect({ publishWill: true });
    const b = connect(broker, 'b', { will: will() });
    b.session.setWill(undefined);
    b.session.disconnect({ publishWill: true });
    expect(w.link.payloads()).toEqual(['updated']);
  });
});

describe('session expiry', () => {
  it('ends the session after its expiry interval; 0xFFFFFFFF never expires', () => {
    const broker = makeBroker();
    connect(broker, 'short', { cleanStart: false, sessionExpiry: 3 }).session.disconnect({
      publishWill: false,
    });
    connect(broker, 'forever', { cleanStart: false, sessionExpiry: 0xffffffff }).session.disconnect({
      publishWill: false,
    });
    vi.advanceTimersByTime(2000);
    expect(connect(broker, 'short', { cleanStart: false, sessionExpiry: 3 }).present).toBe(true);
    connect(broker, 'short', { cleanStart: false, sessionExpiry: 3 }).session.disconnect({
      publishWill: false,
    });
    vi.advanceTimersByTime(3100);
    expect(connect(broker, 'short', { cleanStart: false, sessionExpiry: 3 }).present).toBe(false);
    vi.advanceTimersByTime(100 * 24 * 3600 * 1000); // 100 days, beyond setTimeout's limit
    expect(connect(broker, 'forever', { cleanStart: false, sessionExpiry: 0xffffffff }).present).toBe(true);
  });

  it('takes the expiry from a v5 DISCONNECT (MQTT-3.14.2-2)', () => {
    const broker = makeBroker();
    connect(broker, 'c', { cleanStart: false, sessionExpiry: 3600 }).session.disconnect({
      publishWill: false,
      sessionExpiry: 0,
    });
    expect(connect(broker, 'c', { cleanStart: false, sessionExpiry: 3600 }).present).toBe(false);
  });
});

describe('MQTT-SN sleep: detach / resume / expire (§6.14)', () => {
  it('queues everything while asleep and flushes on resume, drained() last', async () => {
    const broker = makeBroker();
    const sensor = connect(broker, 'sensor', {
      cleanStart: false,
      sessionExpiry: 3600,
      queueQos0: true,
      will: will(),
      info: linkInfo({ protocol: 'mqtt-sn', protocolVersion: 1, receiveMaximum: 1 }),
    });
    sensor.session.subscribe([{ filter: 'cmd/#', qos: 1 }]);
    sensor.session.detach();
    expect(broker.connectedCount()).toBe(0); // a sleeper is not connected
    const pub = connect(broker, 'pub');
    pub.session.publish(message('cmd/a', 'zero', 0));
    await publish(pub.session, message('cmd/b', 'one', 1));
    await publish(pub.session, message('cmd/c', 'two', 1));
    expect(sensor.session.pendingCount()).toBe(3);
    expect(sensor.link.deliveries).toHaveLength(0);
    vi.advanceTimersByTime(10 * 3600 * 1000); // asleep sessions do not expire by themselves
    const awake = new FakeLink();
    const handle = broker.resume(
      'sensor',
      awake,
      linkInfo({ protocol: 'mqtt-sn', protocolVersion: 1, receiveMaximum: 1 }),
    );
    expect(handle).toBeDefined();
    await settle();
    expect(awake.payloads()).toEqual(['zero', 'one']); // window 1: one QoS 1 at a time
    handle!.puback(awake.deliveries[1]!.packetId!);
    expect(awake.payloads()).toEqual(['zero', 'one', 'two']);
    expect(awake.drainedCalls).toBe(0);
    handle!.puback(awake.deliveries[2]!.packetId!);
    expect(awake.drainedCalls).toBe(1);
    expect(broker.resume('nobody', new FakeLink(), linkInfo())).toBeUndefined();
  });

  it('resume with nothing pending still calls drained()', async () => {
    const broker = makeBroker();
    connect(broker, 's', { cleanStart: false, sessionExpiry: 60 }).session.detach();
    const link = new FakeLink();
    broker.resume('s', link, linkInfo({ protocol: 'mqtt-sn' }));
    await settle();
    expect(link.drainedCalls).toBe(1);
  });

  it('expire() publishes the sleeper will and the session follows its expiry', () => {
    const broker = makeBroker();
    const w = watcher(broker);
    connect(broker, 's', { cleanStart: false, sessionExpiry: 0, will: will() }).session.detach();
    broker.expire('watcher', true); // connected: not a sleeper, nothing happens
    expect(w.link.deliveries).toHaveLength(0);
    broker.expire('s', true);
    expect(w.link.payloads()).toEqual(['gone']);
    expect(broker.resume('s', new FakeLink(), linkInfo())).toBeUndefined();
  });

  it('resume of a connected session takes it over', () => {
    const broker = makeBroker();
    const first = connect(broker, 's', { cleanStart: false, sessionExpiry: 60 });
    broker.resume('s', new FakeLink(), linkInfo());
    expect(first.link.closes).toEqual([ReasonCode.SessionTakenOver]);
  });
});

describe('$SYS', () => {
  it('publishes mosquitto-named statistics, retained, every sysInterval seconds', async () => {
    const broker = makeBroker({ sysInterval: 10, version: 'test 1.0' });
    const s = connect(broker, 's');
    s.session.subscribe([{ filter: '$SYS/broker/#', qos: 0 }]);
    await settle();
    const values = () => new Map(s.link.deliveries.map((d) => [d.topic, d.payload.toString()]));
    expect(values().get('$SYS/broker/version')).toBe('test 1.0');
    expect(values().get('$SYS/broker/clients/connected')).toBe('0'); // retained from start-up
    expect(s.link.deliveries.every((d) => d.retain)).toBe(true);
    await publish(s.session, message('x', 'y', 1));
    vi.advanceTimersByTime(10_000);
    expect(values().get('$SYS/broker/clients/connected')).toBe('1');
    expect(values().get('$SYS/broker/messages/received')).toBe('1');
    expect(values().get('$SYS/broker/subscriptions/count')).toBe('1');
    expect(values().get('$SYS/broker/uptime')).toBe('10 seconds');
    await broker.close();
  });

  it('follows mosquitto: expiry 60 s but not on version, clients/maximum when the total grows, loads, counts', async () => {
    const broker = makeBroker({ sysInterval: 10, version: 'test 1.0' });
    const s = connect(broker, 's');
    s.session.subscribe([
      { filter: '$SYS/#', qos: 0 },
      { filter: '$share/g/x', qos: 0 },
    ]);
    await settle();
    const last = (topic: string) => s.link.deliveries.filter((d) => d.topic === topic).at(-1);
    expect(last('$SYS/broker/version')?.properties?.messageExpiryInterval).toBeUndefined();
    expect(last('$SYS/broker/uptime')?.properties?.messageExpiryInterval).toBe(60);
    expect(last('$SYS/broker/clients/maximum')).toBeUndefined(); // 0 at start: not published
    expect(last('$SYS/broker/load/messages/received/1min')?.payload.toString()).toBe('0.00');
    connect(broker, 'gone', { cleanStart: false, sessionExpiry: 15 }).session.disconnect({
      publishWill: false,
    });
    for (let i = 0; i < 6; i++) await publish(s.session, message('x', 'twelve bytes', 0));
    vi.advanceTimersByTime(10_000);
    const value = (topic: string) => last(topic)?.payload.toString();
    expect(value('$SYS/broker/clients/maximum')).toBe('2');
    expect(value('$SYS/broker/clients/expired')).toBe('0');
    expect(value('$SYS/broker/shared_subscriptions/count')).toBe('1');
    expect(value('$SYS/broker/subscriptions/count')).toBe('1'); // $SYS/# only; the shared one apart
    expect(value('$SYS/broker/publish/bytes/received')).toBe('72');
    // 6 messages in 10 s = 36/min, folded into the 1-minute average: 36 × (1 − e^(−10/60)).
    expect(value('$SYS/broker/load/publish/received/1min')).toBe((36 * (1 - Math.exp(-10 / 60))).toFixed(2));
    vi.advanceTimersByTime(10_000);
    expect(value('$SYS/broker/clients/expired')).toBe('1');
    expect(value('$SYS/broker/clients/total')).toBe('1');
    expect(value('$SYS/broker/clients/maximum')).toBe('2');
    await broker.close();
  });
});
