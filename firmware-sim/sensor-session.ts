/**
 * Setting up a sensor's session: find the gateway (SEARCHGW → GWINFO, MQTT-SN §6.1), CONNECT and
 * answer the will prompts (§6.2, §6.3), REGISTER the topics it publishes on (§6.5) and SUBSCRIBE to
 * its command topic (§6.9). Each step is one exchange with T_retry/N_retry (§6.13).
 */
import { type MqttSnPacket, ReturnCode } from '../src/codec/mqttsn/index.js';
import type { Logger } from '../src/observe/logger.js';
import type { Exchange } from './exchange.js';
import type { Scheduler } from './scheduler.js';
import type { SensorConfig } from './sensor-config.js';
import type { Inbox } from './sensor-inbox.js';
import type { SensorState } from './sensor-state.js';
import type { PublishTopics } from './sensor-topics.js';
import type { GroupStats } from './stats.js';

/** What the session set-up needs from its sensor. */
export interface SessionHost {
  readonly config: SensorConfig;
  readonly exchange: Exchange;
  readonly scheduler: Scheduler;
  readonly stats: GroupStats;
  readonly topics: PublishTopics;
  readonly inbox: Inbox;
  readonly logger: Logger;
  state(): SensorState;
  enter(state: SensorState): void;
  nextMsgId(): number;
  hold(seconds: number): void;
  /** Give up for now and try again later (no connection was lost). */
  backoff(reason: string): void;
  /** N_retry exhausted on an open connection (§6.13). */
  connectionLost(reason: string): void;
  /** Connected, registered and subscribed: start reporting. */
  ready(): void;
}

export class SessionSetup {
  private subscribed = false;
  private gatewayFound = false;

  constructor(private readonly host: SessionHost) {}

  /** Starts a new session: discovery first if configured and no gateway is known. */
  begin(): void {
    if (this.host.config.discover && !this.gatewayFound) this.search();
    else this.connect(false);
  }

  /** After a connection loss the gateway may be gone: search again (if discovering). */
  forgetGateway(): void {
    this.gatewayFound = false;
  }

  /** The gateway does not know us (§6.12): everything it gave us is void. */
  reset(): void {
    this.host.topics.clear();
    this.host.inbox.forget();
    this.subscribed = false;
  }

  /** CONNECT (§6.2). `resume`: waking from sleep to report — keep the session, no will prompt. */
  connect(resume: boolean): void {
    const { config, exchange } = this.host;
    this.host.enter({ kind: 'connecting', resume });
    exchange.start({
      what: 'CONNECT',
      packet: {
        type: 'CONNECT',
        will: !resume && config.will !== undefined,
        cleanSession: resume ? false : config.cleanSession,
        duration: config.keepAliveSeconds,
        clientId: config.clientId,
      },
      matches: (reply) => reply.type === 'CONNACK' || reply.type === 'WILLTOPICREQ',
      onReply: (reply) => this.onConnectReply(reply),
      onGiveUp: () => this.host.backoff('no CONNACK'),
    });
  }

  /** The gateway prompts again because our answer was lost: answer again. */
  answerWillPrompt(prompt: 'WILLTOPICREQ' | 'WILLMSGREQ'): void {
    if (prompt === 'WILLTOPICREQ') this.sendWillTopic();
    else this.sendWillMessage();
  }

  /** REGISTER a topic name (§6.5), then `then()`. One REGISTER outstanding at a time. */
  register(name: string, then: () => void): void {
    const host = this.host;
    const msgId = host.nextMsgId();
    host.exchange.start({
      what: `REGISTER ${name}`,
      packet: { type: 'REGISTER', topicId: 0, msgId, topicName: name },
      matches: (reply) => reply.type === 'REGACK' && reply.msgId === msgId,
      onReply: (reply) => {
        if (reply.type !== 'REGACK') return;
        if (reply.returnCode === ReturnCode.ACCEPTED) {
          host.topics.registered(name, reply.topicId);
          host.stats.counters.registrations++;
          then();
          return;
        }
        // §6.5: try again later; after "congestion" only after T_WAIT.
        host.logger.warn(
          `${host.config.clientId}: REGISTER ${name} refused (return code ${reply.returnCode})`,
        );
        host.hold(host.config.tWaitSeconds);
        host.scheduler.after(host.config.tWaitSeconds * 1000, () => {
          const kind = host.state().kind;
          if (kind === 'setup' || kind === 'active') then();
        });
      },
      onGiveUp: () => host.connectionLost(`no REGACK for ${name}`),
    });
  }

  private search(): void {
    this.host.enter({ kind: 'searching' });
    this.host.exchange.start({
      what: 'SEARCHGW',
      packet: { type: 'SEARCHGW', radius: 1 },
      matches: (reply) => reply.type === 'GWINFO' || reply.type === 'ADVERTISE',
      onReply: () => {
        this.gatewayFound = true;
        this.connect(false);
      },
      onGiveUp: () => this.host.backoff('no GWINFO after SEARCHGW'),
    });
  }

  private onConnectReply(reply: MqttSnPacket): void {
    const host = this.host;
    if (reply.type === 'WILLTOPICREQ' || reply.type === 'WILLMSGREQ') {
      this.answerWillPrompt(reply.type);
      return;
    }
    if (reply.type !== 'CONNACK') return;
    if (reply.returnCode !== ReturnCode.ACCEPTED) {
      host.logger.warn(`${host.config.clientId}: CONNACK refused (return code ${reply.returnCode})`);
      host.hold(host.config.tWaitSeconds);
      host.backoff(`CONNACK return code ${reply.returnCode}`);
      return;
    }
    host.stats.counters.connects++;
    const state = host.state();
    const resumed = state.kind === 'connecting' && state.resume;
    if (!resumed) {
      // A new session: with CleanSession the gateway's topic ids for us start afresh (§6.3).
      if (host.config.cleanSession) {
        host.topics.clear();
        host.inbox.forget();
      }
      this.subscribed = false;
    }
    host.enter({ kind: 'setup' });
    this.nextStep();
  }

  private sendWillTopic(): void {
    const will = this.host.config.will;
    this.host.exchange.start({
      what: 'WILLTOPIC',
      packet: {
        type: 'WILLTOPIC',
        will: will ? { qos: will.qos, retain: will.retain, topic: will.topic } : null,
      },
      matches: (reply) => reply.type === 'WILLMSGREQ' || reply.type === 'CONNACK',
      onReply: (reply) => this.onConnectReply(reply),
      onGiveUp: () => this.host.backoff('no WILLMSGREQ'),
    });
  }

  private sendWillMessage(): void {
    this.host.exchange.start({
      what: 'WILLMSG',
      packet: { type: 'WILLMSG', willMsg: Buffer.from(this.host.config.will?.message ?? '') },
      matches: (reply) => reply.type === 'CONNACK',
      onReply: (reply) => this.onConnectReply(reply),
      onGiveUp: () => this.host.backoff('no CONNACK after WILLMSG'),
    });
  }

  /** Registers what is not registered yet, then subscribes to the command topic, then reports. */
  private nextStep(): void {
    const unregistered = this.host.topics.firstUnregistered();
    if (unregistered !== undefined) this.register(unregistered, () => this.nextStep());
    else if (!this.subscribed) this.subscribeCommands();
    else this.host.ready();
  }

  private subscribeCommands(): void {
    const host = this.host;
    const msgId = host.nextMsgId();
    const topic = host.config.commandTopic;
    const packet: MqttSnPacket = {
      type: 'SUBSCRIBE',
      dup: false,
      qos: 1,
      msgId,
      topic: { type: 'name', name: topic },
    };
    host.exchange.start({
      what: `SUBSCRIBE ${topic}`,
      packet,
      retransmit: { ...packet, dup: true },
      matches: (reply) => reply.type === 'SUBACK' && reply.msgId === msgId,
      onReply: (reply) => {
        if (reply.type !== 'SUBACK') return;
        if (reply.returnCode !== ReturnCode.ACCEPTED) {
          host.logger.warn(
            `${host.config.clientId}: SUBSCRIBE ${topic} refused (return code ${reply.returnCode})`,
          );
        } else if (reply.topicId !== 0) {
          host.inbox.learn(reply.topicId, topic);
        }
        // Either way the sensor goes on reporting; a refused command topic only loses commands.
        this.subscribed = true;
        this.nextStep();
      },
      onGiveUp: () => host.connectionLost('no SUBACK'),
    });
  }
}
