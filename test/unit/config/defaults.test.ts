import { describe, expect, it } from 'vitest';
import { defaultGatewayConfig } from '../../../src/config/index.js';

describe('defaults (no config file)', () => {
  const config = defaultGatewayConfig('/srv/gw');

  it('has every documented default', () => {
    const { predefinedTopicTable, locations, warnings, ...values } = config;
    expect(values).toEqual({
      logLevel: 'info',
      sysInterval: 10,
      listeners: [{ port: 1883 }],
      tlsListeners: [],
      wsListeners: [],
      wssListeners: [],
      certfile: undefined,
      keyfile: undefined,
      cafile: undefined,
      requireCertificate: false,
      useIdentityAsUsername: false,
      tlsVersion: 'tlsv1.2',
      maxQueuedMessages: 1000,
      maxInflightMessages: 20,
      queueQos0Messages: false,
      retainAvailable: true,
      maximumQos: 2,
      maxPacketSize: 268_435_455,
      maxKeepalive: 65_535,
      persistentClientExpiration: undefined,
      topicAliasMaximum: 10,
      receiveMaximum: 65_535,
      persistence: true,
      persistenceLocation: '/srv/gw/data',
      persistenceSync: 'normal',
      allowAnonymous: true,
      passwordFile: undefined,
      aclFile: undefined,
      mqttsnAdmissionFile: undefined,
      maxConnections: -1,
      maxConnectionsPerAddress: -1,
      connectionRate: 0,
      connectTimeout: 10,
      maxTopicLength: 65_535,
      maxTopicLevels: 0,
      maxSubscriptionsPerClient: 0,
      // IANA's MQTT port, UDP, on both families (issue 4).
      mqttsnUdp: [
        { port: 1883, bind: '0.0.0.0', family: 4 },
        { port: 1883, bind: '::', family: 6 },
      ],
      gatewayId: 1,
      advertiseInterval: 900,
      advertiseAddress: { host: '255.255.255.255', port: 1883 },
      predefinedTopics: undefined,
      qosMinus1: true,
      tRetry: 10,
      nRetry: 5,
      mqttsnMaxClients: 100_000,
      mqttsnMaxTopicsPerClient: 1000,
      sleepBufferSize: 1000,
      mqttsnMaxMessageSize: 65_535,
      keepaliveTolerance: undefined,
      wakeupNewAddress: true,
      mqttsnMaxInflight: 1,
      serial: [],
    });
    expect(predefinedTopicTable.size).toBe(0);
    expect(locations).toEqual({});
    expect(warnings).toEqual([]);
    expect(config.configFile).toBeUndefined();
  });
});
