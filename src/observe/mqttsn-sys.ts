/**
 * The MQTT-SN gateway's and its transports' counters where a user can read them: retained
 * `$SYS/broker/mqttsn/...` topics (issue 4: limits "with counters"; issue 5: bad XBee frames
 * "dropped and counted"), `mosquitto_sub -t '$SYS/broker/mqttsn/#' -v`. Same rhythm as the core's
 * `$SYS/broker/...` (src/broker/sys.ts) and `$SYS/broker/security/...` (src/security/sys.ts):
 * everything once at start, then every sys_interval seconds what changed; nothing when
 * sys_interval is 0; the timer never keeps the process alive.
 *
 * DESIGN.md: observability never reaches into internals — this reads only the gateway's public
 * `stats()` snapshot and each transport's public `counters`. The topics are listed in
 * src/gateway/README.md ("Counters in $SYS").
 */
import type { BrokerApi } from '../broker/types.js';
import type { GatewayStats } from '../gateway/options.js';
import type { SerialTransport } from '../transport/serial/serial-transport.js';
import type { UdpTransport } from '../transport/udp.js';
import { CounterPublisher } from './counter-publisher.js';

export const MQTTSN_SYS_PREFIX = '$SYS/broker/mqttsn/';

/** One transport's counters, by topic suffix (e.g. "datagrams/received"). */
export interface TransportCounterSource {
  /** The transport's name as in the logs ("udp 0.0.0.0:1883", "serial /dev/ttyUSB0 xbee-api2"). */
  readonly name: string;
  counters(): Map<string, number>;
}

export interface MqttSnCounterSources {
  gateway: { stats(): GatewayStats };
  transports: readonly TransportCounterSource[];
}

/**
 * A transport's name as one topic level: '/', whitespace and the wildcards '+' '#' become '_'
 * (runs collapse), so "serial /dev/ttyUSB0 raw" is "serial_dev_ttyUSB0_raw" and
 * "udp 0.0.0.0:1883" is "udp_0.0.0.0:1883".
 */
export function topicLevelOf(name: string): string {
  const safe = name.replace(/[/\s+#]+/g, '_').replace(/^_+|_+$/g, '');
  return safe === '' ? '_' : safe;
}

/** The gateway's counters by topic, in a stable order (also what tests read). */
export function gatewayCounters(s: GatewayStats): Map<string, number> {
  const p = MQTTSN_SYS_PREFIX;
  const c = s.clients;
  return new Map<string, number>([
    // §6.14 states; "connected" is what maxClients is compared with.
    [`${p}clients/connected`, c.active + c.asleep + c.awake],
    [`${p}clients/active`, c.active],
    [`${p}clients/asleep`, c.asleep],
    [`${p}clients/awake`, c.awake],
    [`${p}clients/disconnected`, c.disconnected],
    [`${p}clients/lost`, c.lost],
    // Keep-alive, sleep timer or N_retry exhausted (§6.13), since start.
    [`${p}clients/declared_lost`, s.clientsLost],
    [`${p}datagrams/received`, s.datagramsIn],
    [`${p}datagrams/sent`, s.datagramsOut],
    [`${p}datagrams/malformed`, s.malformed],
    [`${p}datagrams/oversized`, s.oversizedReceived],
    [`${p}messages/oversized`, s.oversized - s.oversizedReceived],
    [`${p}messages/retransmitted`, s.retransmissions],
    [`${p}messages/sleep_buffer/dropped`, s.sleepBufferDropped],
    [`${p}messages/deliveries/dropped`, s.deliveriesDropped],
    [`${p}refused/congestion`, s.congestion],
    [`${p}refused/max_clients`, s.refusedMaxClients],
    [`${p}refused/topic_ids`, s.refusedTopicIds],
    [`${p}refused/unknown_senders`, s.unknownSenders],
    [`${p}publish/qos_minus1/received`, s.qosMinus1Published],
    [`${p}publish/qos_minus1/dropped`, s.qosMinus1Dropped],
    [`${p}link/delivery_failures`, s.linkDeliveryFailures],
  ]);
}

/** UDP: datagrams through the socket and its errors (src/transport/udp.ts UdpCounters). */
export function udpCounterSource(transport: UdpTransport): TransportCounterSource {
  return {
    name: transport.name,
    counters: () => {
      const c = transport.counters;
      return new Map([
        ['datagrams/received', c.datagramsIn],
        ['datagrams/sent', c.datagramsOut],
        ['errors/send', c.sendErrors],
        ['errors/socket', c.socketErrors],
      ]);
    },
  };
}

/**
 * Serial counters by topic suffix. The framings have counters of their own (raw: bad_headers …;
 * XBee: bad_checksums …): those known get a name here, any other is published under its
 * snake_case name so a new counter is never hidden.
 */
const SERIAL_TOPICS: ReadonlyArray<readonly [key: string, suffix: string]> = [
  ['opens', 'opens'],
  ['openFailures', 'open_failures'],
  ['disconnects', 'disconnects'],
  ['writeErrors', 'errors/write'],
  ['datagramsIn', 'datagrams/received'],
  ['datagramsOut', 'datagrams/sent'],
  ['oversize', 'datagrams/oversized'],
  ['refused', 'datagrams/refused'],
  ['droppedWhileClosed', 'datagrams/dropped_while_closed'],
  ['droppedBacklog', 'datagrams/dropped_backlog'],
  ['droppedBytes', 'bytes/dropped'],
  ['frames', 'frames/received'],
  ['badChecksums', 'frames/bad_checksum'],
  ['badLengths', 'frames/bad_length'],
  ['truncated', 'frames/truncated'],
  ['badApiFrames', 'frames/bad_api_frame'],
  ['modemStatus', 'frames/modem_status'],
  ['otherFrames', 'frames/other'],
  ['flowControl', 'frames/flow_control'],
  ['deliveryFailures', 'delivery_failures'],
  ['packets', 'packets/received'],
  ['badHeaders', 'packets/bad_header'],
  ['zeroLengths', 'packets/zero_length'],
  ['gapResets', 'packets/gap_reset'],
];
const SERIAL_SUFFIX = new Map(SERIAL_TOPICS);

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function serialCounterSource(transport: SerialTransport): TransportCounterSource {
  return {
    name: transport.name,
    counters: () => {
      const counters = transport.counters;
      // 1 while the device is open, 0 while it is missing and being reopened (issue 5).
      const out = new Map<string, number>([['open', transport.isOpen ? 1 : 0]]);
      // Every open after the first is a reopen; every failed open is an attempt too.
      out.set('reopen_attempts', Math.max(0, counters.opens - 1) + counters.openFailures);
      for (const [key, suffix] of SERIAL_TOPICS) {
        const value = counters[key];
        if (value !== undefined) out.set(suffix, value);
      }
      for (const [key, value] of Object.entries(counters)) {
        if (!SERIAL_SUFFIX.has(key)) out.set(snakeCase(key), value);
      }
      return out;
    },
  };
}

/** Every counter by topic: the gateway's, then each transport's under transport/<name>/. */
export function mqttsnCounters(sources: MqttSnCounterSources): Map<string, number> {
  const all = gatewayCounters(sources.gateway.stats());
  const levels = new Set<string>();
  for (const transport of sources.transports) {
    let level = topicLevelOf(transport.name);
    // Two transports whose names differ only in unsafe characters must not share topics.
    for (let n = 2; levels.has(level); n++) level = `${topicLevelOf(transport.name)}_${n}`;
    levels.add(level);
    for (const [suffix, value] of transport.counters()) {
      all.set(`${MQTTSN_SYS_PREFIX}transport/${level}/${suffix}`, value);
    }
  }
  return all;
}

/** MqttSn counters on `$SYS` (see CounterPublisher). */
export class MqttSnSysPublisher extends CounterPublisher {
  constructor(broker: Pick<BrokerApi, 'publish'>, sources: MqttSnCounterSources) {
    super(broker, () => mqttsnCounters(sources));
  }
}
