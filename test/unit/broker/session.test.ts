/** Session lifecycle through the core: connect, takeover, in-flight window, redelivery, queues. */
import { describe, expect, it } from 'vitest';
import { Session } from '../../../src/broker/session/session.js';
import { type BrokerEvents, ReasonCode } from '../../../src/broker/types.js';
import {
  connect,
  connectPersistent,
  FakeLink,
  linkInfo,
  makeBroker,
  message,
  publish,
  settle,
} from './helpers.js';

const will = (topic = 'will', delayInterval?: number) => ({
  topic,
  payload: Buffer.from('gone'),
  qos: 0 as const,
  retain: false,
  ...(delayInterval === undefined ? {} : { delayInterval }),
});

describe('connect', () => {
  it('reports sessionPresent only for a resumed persistent session, which keeps its subscriptions', () => {
    const broker = makeBroker();
    const first = connectPersistent(broker, 'c');
    expect(first.present).toBe(false);
    first.session.subscribe([{ filter: 'a', qos: 1 }]);
    first.session.disconnect({ publishWill: false });
    const again = connectPersistent(broker, 'c');
    expect(again.present).toBe(true);
    expect(again.session.subscriptions().map((s) => s.filter)).toEqual(['a']);
  });

  it('clean start discards the old session', () => {
    const broker = makeBroker();
    const first = connectPersistent(broker, 'c');
    first.session.subscribe([{ filter: 'a', qos: 1 }]);
    first.session.disconnect({ publishWill: false });
    const clean = connectPersistent(broker, 'c', true);
    expect(clean.present).toBe(false);
    expect(clean.session.subscriptions()).toEqual([]);
  });

  it('a session with expiry 0 ends at disconnect', () => {
    const broker = makeBroker();
    const c = connect(broker, 'c');
    c.session.subscribe([{ filter: 'a', qos: 1 }]);
    c.session.disconnect({ publishWill: false });
    expect(connectPersistent(broker, 'c').present).toBe(false);
  });

  it('refuses an empty client id', () => {
    const broker = makeBroker();
    const r = broker.connect({
      clientId: '',
      cleanStart: true,
      sessionExpiry: 0,
      link: new FakeLink(),
      info: linkInfo(),
    });
    expect(r).toEqual({ ok: false, reason: ReasonCode.ClientIdentifierNotValid });
  });
});

describe('takeover', () => {
  it('closes the old link with SessionTakenOver and makes its handle inert', () => {
    const broker = makeBroker();
    const watcher = connect(broker, 'w');
    watcher.session.subscribe([{ filter: '#', qos: 0 }]);
    const old = connectPersistent(broker, 'c');
    const fresh = connectPersistent(broker, 'c');
    expect(old.link.closes).toEqual([ReasonCode.SessionTakenOver]);
    expect(fresh.present).toBe(true);
    expect(broker.connectedCount()).toBe(2);
    old.session.publish(message('x', 'late'));
    expect(old.session.subscribe([{ filter: 'y', qos: 0 }])).toEqual([ReasonCode.UnspecifiedError]);
    expect(watcher.link.deliveries).toHaveLength(0);
  });

  it('publishes the old will when the old session ends with the takeover (as mosquitto 2.0.11)', () => {
    const broker = makeBroker();
    const watcher = connect(broker, 'w');
    watcher.session.subscribe([{ filter: 'will', qos: 0 }]);
    connect(broker, 'c', { will: will() }); // clean session
    connect(broker, 'c');
    expect(watcher.link.payloads()).toEqual(['gone']);
  });

  it('discards the old will when a persistent session continues', () => {
    const broker = makeBroker();
    const watcher = connect(broker, 'w');
    watcher.session.subscribe([{ filter: 'will', qos: 0 }]);
    connect(broker, 'c', { cleanStart: false, sessionExpiry: 100, will: will() });
    connect(broker, 'c', { cleanStart: false, sessionExpiry: 100 });
    expect(watcher.link.deliveries).toHaveLength(0);
  });
});

describe('outgoing QoS 1/2', () => {
  it('keeps at most receiveMaximum in flight, the rest queued in order', async () => {
    const broker = makeBroker();
    const sub = connect(broker, 'sub', { info: linkInfo({ receiveMaximum: 2 }) });
    sub.session.subscribe([{ filter: 't', qos: 1 }]);
    const pub = connect(broker, 'pub');
    for (let i = 0; i < 5; i++) await publish(pub.session, message('t', String(i), 1));
    expect(sub.link.payloads()).toEqual(['0', '1']);
    expect(sub.session.pendingCount()).toBe(5);
    expect(sub.session.puback(sub.link.deliveries[0]!.packetId!)).toBe(true);
    expect(sub.link.payloads()).toEqual(['0', '1', '2']);
    expect(sub.session.puback(999)).toBe(false);
    // each ack opens the window for the next one (the array grows while we walk it)
    for (let i = 1; i < sub.link.deliveries.length; i++)
      sub.session.puback(sub.link.deliveries[i]!.packetId!);
    expect(sub.link.payloads()).toEqual(['0', '1', '2', '3', '4']);
    expect(sub.session.pendingCount()).toBe(0);
  });

  it('QoS 2 flow: pubrec keeps the id until pubcomp; a QoS 1 ack does not close a QoS 2 flow', async () => {
    const broker = makeBroker();
    const sub = connect(broker, 'sub');
    sub.session.subscribe([{ filter: 't', qos: 2 }]);
    await publish(connect(broker, 'pub').session, message('t', 'x', 2));
    const id = sub.link.deliveries[0]!.packetId!;
    expect(sub.session.puback(id)).toBe(false);
    expect(sub.session.pubrec(id)).toBe(true);
    expect(sub.session.pendingCount()).toBe(1);
    expect(sub.session.pubcomp(id)).toBe(true);
    expect(sub.session.pendingCount()).toBe(0);
  });

  it('redelivers in-flight PUBLISH with DUP=1 and PUBREL for released ones after resume [MQTT-4.4.0-1]', async () => {
    const broker = makeBroker();
    const sub = connectPersistent(broker, 'sub');
    sub.session.subscribe([{ filter: 't', qos: 2 }]);
    const pub = connect(broker, 'pub');
    await publish(pub.session, message('t', 'one', 2));
    await publish(pub.session, message('t', 'two', 1));
    const [one, two] = sub.link.deliveries;
    sub.session.pubrec(one!.packetId!);
    sub.session.disconnect({ publishWill: true });
    const back = connectPersistent(broker, 'sub');
    expect(back.present).toBe(true);
    // routed in the same turn as the CONNECT: must not overtake the redelivery (per-topic order)
    pub.session.publish(message('t', 'four', 1));
    expect(back.link.deliveries).toHaveLength(0); // after CONNACK
    await settle();
    expect(back.link.releases).toEqual([one!.packetId]);
    expect(back.link.deliveries.map((d) => [d.payload.toString(), d.dup, d.packetId])).toEqual([
      ['two', true, two!.packetId],
      ['four', false, expect.any(Number)],
    ]);
    expect(back.session.pubcomp(one!.packetId!)).toBe(true);
  });

  it('allocates packet ids 1..65535, wrapping and skipping ids in flight [MQTT-2.2.1-3]', () => {
    const s = new Session('x', 0, false, 'mqtt', { kind: 'disconnected', at: 0 });
    s.nextPacketId = 65534;
    const ids = [s.allocatePacketId(), s.allocatePacketId(), s.allocatePacketId()];
    expect(ids).toEqual([65534, 65535, 1]);
    s.inflight.set(2, {
      seq: 1,
      message: message('t', ''),
      qos: 1,
      retain: false,
      subscriptionIds: undefined,
      state: 'sent',
      packetId: 2,
    });
    expect(s.allocatePacketId()).toBe(3);
  });

  it('drops a delivery larger than the client maximum packet size, as if delivered [MQTT-3.1.2-25]', async () => {
    const broker = makeBroker();
    const drops: BrokerEvents['messageDropped'][] = [];
    broker.on('messageDropped', (e) => drops.push(e));
    const sub = connect(broker, 'sub', {
      info: linkInfo({ maximumPacketSize: 20, deliverySize: (d) => d.payload.length + d.topic.length + 4 }),
    });
    sub.session.subscribe([{ filter: 't', qos: 1 }]);
    const pub = connect(broker, 'pub');
    await publish(pub.session, message('t', 'x'.repeat(100), 1));
    await publish(pub.session, message('t', 'small', 1));
    expect(sub.link.payloads()).toEqual(['small']);
    expect(drops).toEqual([{ clientId: 'sub', topic: 't', reason: 'too-large' }]);
    expect(sub.session.pendingCount()).toBe(1);
  });
});

describe('inbound QoS 2', () => {
  it('is not routed twice while its packet id awaits PUBREL, even across a reconnect', async () => {
    const broker = makeBroker();
    const sub = connect(broker, 'sub');
    sub.session.subscribe([{ filter: 't', qos: 0 }]);
    const pub = connectPersistent(broker, 'pub');
    expect(await publish(pub.session, message('t', 'once', 2, { packetId: 7 }))).toEqual({
      reason: ReasonCode.Success,
    });
    pub.session.disconnect({ publishWill: true });
    const again = connectPersistent(broker, 'pub');
    expect(await publish(again.session, message('t', 'once', 2, { packetId: 7, dup: true }))).toEqual({
      reason: ReasonCode.Success,
    });
    expect(sub.link.payloads()).toEqual(['once']);
    const pubrel = (id: number) => new Promise<ReasonCode>((resolve) => again.session.pubrel(id, resolve));
    const reasons = [await pubrel(7), await pubrel(7)];
    // The second PUBREL finds nothing to release: still Success, as mosquitto answers it.
    expect(reasons).toEqual([ReasonCode.Success, ReasonCode.Success]);
    await publish(again.session, message('t', 'next', 2, { packetId: 7 }));
    expect(sub.link.payloads()).toEqual(['once', 'next']);
  });
});

describe('offline queueing', () => {
  async function offlineSubscriber(options: Parameters<typeof makeBroker>[0], queueQos0?: boolean) {
    const broker = makeBroker(options);
    const sub = connect(broker, 'sub', { cleanStart: false, sessionExpiry: 100, queueQos0 });
    sub.session.subscribe([{ filter: 't', qos: 1 }]);
    sub.session.disconnect({ publishWill: false });
    const pub = connect(broker, 'pub');
    await publish(pub.session, message('t', 'q0', 0));
    await publish(pub.session, message('t', 'q1', 1));
    const back = connect(broker, 'sub', { cleanStart: false, sessionExpiry: 100 });
    await settle();
    return back.link.payloads();
  }

  it('does not queue QoS 0 for an offline session by default (mosquitto)', async () => {
    expect(await offlineSubscriber({})).toEqual(['q1']);
  });

  it('queues QoS 0 with queueQos0Messages, or when the session asked for it', async () => {
    expect(await offlineSubscriber({ queueQos0Messages: true })).toEqual(['q0', 'q1']);
    expect(await offlineSubscriber({}, true)).toEqual(['q0', 'q1']);
  });

  it('bounds the queue: the oldest QoS 0 goes first, then new messages are dropped and counted', async () => {
    const broker = makeBroker({ maxQueuedMessages: 3, queueQos0Messages: true });
    const drops: string[] = [];
    broker.on('messageDropped', (e) => drops.push(`${e.reason}`));
    const sub = connectPersistent(broker, 'sub');
    sub.session.subscribe([{ filter: 't', qos: 1 }]);
    sub.session.disconnect({ publishWill: false });
    const pub = connect(broker, 'pub');
    await publish(pub.session, message('t', 'a', 0));
    await publish(pub.session, message('t', 'b', 1));
    await publish(pub.session, message('t', 'c', 1));
    await publish(pub.session, message('t', 'd', 1)); // evicts QoS 0 "a"
    await publish(pub.session, message('t', 'e', 1)); // no QoS 0 left: "e" is dropped
    expect(drops).toEqual(['queue-full', 'queue-full']);
    expect(broker.metrics.publishDropped).toBe(2);
    const back = connect(broker, 'sub', {
      cleanStart: false,
      sessionExpiry: 0xffffffff,
      info: linkInfo({ receiveMaximum: 10 }),
    });
    await settle();
    expect(back.link.payloads()).toEqual(['b', 'c', 'd']);
  });

  it('rewrites message expiry to the time remaining and drops expired queued messages', async () => {
    let now = 5_000_000;
    const broker = makeBroker({}, { now: () => now });
    const sub = connectPersistent(broker, 'sub');
    sub.session.subscribe([{ filter: 't', qos: 1 }]);
    sub.session.disconnect({ publishWill: false });
    const pub = connect(broker, 'pub');
    await publish(pub.session, message('t', 'short', 1, { properties: { messageExpiryInterval: 2 } }));
    await publish(pub.session, message('t', 'long', 1, { properties: { messageExpiryInterval: 10 } }));
    now += 4000;
    const back = connectPersistent(broker, 'sub');
    await settle();
    expect(back.link.payloads()).toEqual(['long']);
    expect(back.link.deliveries[0]!.properties?.messageExpiryInterval).toBe(6);
  });
});

describe('drained', () => {
  it('is called once the queue and in-flight window empty after having had something', async () => {
    const broker = makeBroker();
    const sub = connect(broker, 'sub', { info: linkInfo({ receiveMaximum: 1 }) });
    sub.session.subscribe([{ filter: 't', qos: 1 }]);
    const pub = connect(broker, 'pub');
    await publish(pub.session, message('t', '1', 1));
    await publish(pub.session, message('t', '2', 1));
    expect(sub.link.drainedCalls).toBe(0);
    sub.session.puback(sub.link.deliveries[0]!.packetId!);
    expect(sub.link.drainedCalls).toBe(0);
    sub.session.puback(sub.link.deliveries[1]!.packetId!);
    expect(sub.link.drainedCalls).toBe(1);
  });
});

describe('close', () => {
  it('closes links with ServerShuttingDown, publishes no will, and refuses new connections', async () => {
    const broker = makeBroker();
    const watcher = connect(broker, 'w');
    watcher.session.subscribe([{ filter: 'will', qos: 0 }]);
    const c = connectPersistent(broker, 'c');
    await broker.close();
    expect(c.link.closes).toEqual([ReasonCode.ServerShuttingDown]);
    expect(watcher.link.closes).toEqual([ReasonCode.ServerShuttingDown]);
    expect(broker.connectedCount()).toBe(0);
    expect(
      broker.connect({
        clientId: 'n',
        cleanStart: true,
        sessionExpiry: 0,
        link: new FakeLink(),
        info: linkInfo(),
      }).ok,
    ).toBe(false);
    expect(watcher.link.deliveries).toHaveLength(0);
  });
});
