/**
 * Issue 5: an XBee Transmit Status 0x8B reporting a delivery failure "counts toward the client's
 * retry". The real app with an XBee API mode 2 line over a socat pseudo-terminal; the far end is
 * a local radio relaying one remote sensor. T_retry is 60 s: only the radio's failure reports can
 * make the gateway re-send the unanswered PUBLISH (DUP set, MQTT-SN §6.13) and, after N_retry of
 * them, declare the client lost and publish its will — which mosquitto-style MQTT subscribers see.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningApp, startGateway } from '../../src/app.js';
import { decode, encode, type MqttSnPacket, ReturnCode } from '../../src/codec/mqttsn/index.js';
import { parseGatewayConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/observe/logger.js';
import {
  buildReceivePacket,
  buildTransmitStatus,
  encodeXbeeFrame,
  XbeeFrameDecoder,
} from '../../src/transport/index.js';
import { MqttWatcher } from '../helpers/mqttsn/harness.js';
import { createSocatPair, type FarEnd, openFarEnd, type SocatPair } from '../helpers/socat.js';

const API_TRANSMIT_REQUEST = 0x10;
const TRANSMIT_REQUEST_HEADER = 14;
/** 0x21: network ACK failure (the remote radio did not answer). */
const NETWORK_ACK_FAILURE = 0x21;
const SENSOR_64 = Buffer.from('0013a20040a1b2c3', 'hex');
const SENSOR_16 = 0x1234;

let dir: string;
let pair: SocatPair;
let app: RunningApp;
let far: FarEnd | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xbee-fail-'));
  pair = await createSocatPair();
  const config = parseGatewayConfig(
    [
      'listener 0 127.0.0.1',
      'mqttsn_udp 0 127.0.0.1',
      'persistence false',
      'sys_interval 0',
      'advertise_interval 0',
      't_retry 60',
      'n_retry 2',
      `serial ${pair.a} framing=xbee-api2`,
    ].join('\n'),
    { file: 'xbee-fail.conf', baseDir: dir },
  );
  app = await startGateway(config, silentLogger);
});

afterAll(async () => {
  await far?.close();
  await app?.close();
  await pair?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The local radio: MQTT-SN messages to the gateway in 0x90 frames; 0x10 frames answered with 0x8B. */
class LocalRadio {
  private readonly decoder = new XbeeFrameDecoder({ mode: 2 });
  private readonly inbox: MqttSnPacket[] = [];
  /** Delivery status the radio reports for each Transmit Request (0 = delivered). */
  deliveryStatus = 0;

  constructor(private readonly end: FarEnd) {}

  async send(packet: MqttSnPacket): Promise<void> {
    await this.end.write(encodeXbeeFrame(buildReceivePacket(SENSOR_64, SENSOR_16, encode(packet)), 2));
  }

  /** The next message the gateway sent to the sensor; each Transmit Request gets its status. */
  async next(): Promise<MqttSnPacket> {
    while (this.inbox.length === 0) {
      await this.end.waitFor((b) => b.length > 0, 'a frame from the gateway');
      for (const frame of this.decoder.push(this.end.take())) await this.onFrame(frame);
    }
    const packet = this.inbox.shift();
    if (packet === undefined) throw new Error('unreachable');
    return packet;
  }

  private async onFrame(frame: Buffer): Promise<void> {
    if (frame[0] !== API_TRANSMIT_REQUEST || frame.length < TRANSMIT_REQUEST_HEADER) return;
    const result = decode(frame.subarray(TRANSMIT_REQUEST_HEADER));
    if (!result.ok) throw new Error(`malformed MQTT-SN from the gateway: ${frame.toString('hex')}`);
    this.inbox.push(result.packet);
    const frameId = frame[1] ?? 0;
    if (frameId !== 0) {
      await this.end.write(encodeXbeeFrame(buildTransmitStatus(frameId, this.deliveryStatus, SENSOR_16), 2));
    }
  }
}

async function expectPacket<T extends MqttSnPacket['type']>(
  radio: LocalRadio,
  type: T,
): Promise<Extract<MqttSnPacket, { type: T }>> {
  const packet = await radio.next();
  if (packet.type !== type) throw new Error(`expected ${type}, got ${packet.type}`);
  return packet as Extract<MqttSnPacket, { type: T }>;
}

it('each failed Transmit Status re-sends the unanswered PUBLISH at once; after N_retry the will is out', async () => {
  const watcher = await MqttWatcher.subscribe(app.mqttPorts[0] ?? 0, 'wills/#');
  try {
    far = await openFarEnd(pair.b);
    const radio = new LocalRadio(far);
    await radio.send({ type: 'CONNECT', will: true, cleanSession: true, duration: 600, clientId: 'xb-1' });
    await expectPacket(radio, 'WILLTOPICREQ');
    await radio.send({ type: 'WILLTOPIC', will: { topic: 'wills/xb-1', qos: 0, retain: false } });
    await expectPacket(radio, 'WILLMSGREQ');
    await radio.send({ type: 'WILLMSG', willMsg: Buffer.from('radio gone') });
    expect((await expectPacket(radio, 'CONNACK')).returnCode).toBe(ReturnCode.ACCEPTED);
    await radio.send({
      type: 'SUBSCRIBE',
      dup: false,
      qos: 1,
      msgId: 1,
      topic: { type: 'short', name: 'cm' },
    });
    expect((await expectPacket(radio, 'SUBACK')).returnCode).toBe(ReturnCode.ACCEPTED);

    radio.deliveryStatus = NETWORK_ACK_FAILURE; // the sensor's radio stops answering
    await watcher.publish('cm', 'open valve', 1);
    const first = await expectPacket(radio, 'PUBLISH');
    expect(first.dup).toBe(false);
    // N_retry = 2 re-sends, DUP set (§6.13), each prompted by a failure report, not by T_retry.
    for (let i = 0; i < 2; i++) {
      const again = await expectPacket(radio, 'PUBLISH');
      expect({ dup: again.dup, msgId: again.msgId, payload: again.payload.toString() }).toEqual({
        dup: true,
        msgId: first.msgId,
        payload: 'open valve',
      });
    }
    // The third failure exhausts N_retry: the client is lost and its will published.
    expect(await watcher.waitFor(1)).toEqual([
      { topic: 'wills/xb-1', payload: 'radio gone', qos: 0, retain: false },
    ]);
  } finally {
    await watcher.close();
  }
});
