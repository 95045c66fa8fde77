/**
 * Keys of other programs' config files that have no alias here. Paho MQTT-SN gateway keys (research/mqtt-sn-landscape.md §5), so that
 * a Paho gateway.conf gets a useful answer: some are accepted and ignored with a warning because
 * what they switch on is always on; the rest stop start-up with what to write instead.
 */

const IGNORED = new Map<string, string>(
  Object.entries({
    gatewayname: 'the gateway has no name in MQTT-SN v1.2 messages',
    predefinedtopic: 'predefined topics are used whenever predefined_topics names a file',
    aggregatinggateway: 'this gateway always aggregates its clients into its own broker',
    forwarder: 'forwarder encapsulation (MQTT-SN §5.5) is always accepted',
    shearedmemory: 'logs go to stderr',
    multicastttl: 'the system default multicast TTL is used',
    mqttversion: 'the broker is built in',
    maxinflightmsgs:
      'it is the Paho window towards its external broker, and the broker is built in here ' +
      '(mqttsn_max_inflight, towards each MQTT-SN client, stays 1: MQTT-SN §6.5, §6.6)',
  }),
);

const BUILT_IN_BROKER = 'the broker is built in: MQTT clients connect to this gateway, so remove it';
const REPLACED = new Map<string, string>(
  Object.entries({
    brokername: BUILT_IN_BROKER,
    brokerportno: `${BUILT_IN_BROKER} (set 'listener PORT' for the MQTT port)`,
    brokersecureportno: `${BUILT_IN_BROKER} (set 'tls_listener PORT' for MQTT over TLS)`,
    loginid: BUILT_IN_BROKER,
    password: BUILT_IN_BROKER,
    rootcafile: "use 'cafile' for the TLS listeners' client CA",
    rootcapath: "use 'cafile' for the TLS listeners' client CA",
    certkey: "use 'certfile' for the TLS listeners' certificate",
    privatekey: "use 'keyfile' for the TLS listeners' key",
    clientauthentication: "use 'mqttsn_admission_file' to admit only listed MQTT-SN clients",
    clientauthorization: "use 'mqttsn_admission_file' to admit only listed MQTT-SN clients",
    clientslist: "use 'mqttsn_admission_file' to admit only listed MQTT-SN clients",
    multicastportno: "write the port in 'advertise_address ADDRESS:PORT'",
    serialdevice: "use 'serial DEVICE baud=N framing=xbee-api2' (one line per device)",
    baudrate: "use 'serial DEVICE baud=N framing=xbee-api2' (one line per device)",
    apimode: "use 'serial DEVICE framing=xbee-api1' or 'framing=xbee-api2'",
  }),
);

/** mosquitto.conf settings whose place is taken by a different key here. */
const MOSQUITTO_REPLACED = new Map<string, string>(
  Object.entries({
    protocol:
      "mosquitto.conf's per-listener protocol: use 'ws_listener PORT' or 'wss_listener PORT' for WebSockets",
    bind_address: "mosquitto.conf's bind_address: write the address after the port, 'listener PORT ADDRESS'",
    persistence_file: "the database file is always mqttsn-gateway.db in 'persistence_location'",
    max_topic_alias_broker: "only 'topic_alias_maximum' (client to broker) is configurable",
  }),
);

/** Why an ignored Paho key does nothing here, or undefined when the key is not one of them. */
export function ignoredPahoKey(key: string): string | undefined {
  return IGNORED.get(key.toLowerCase());
}

/** What to write instead of a Paho key that has no equivalent, or undefined. */
export function replacedPahoKey(key: string): string | undefined {
  return REPLACED.get(key.toLowerCase());
}

/** What to write instead of a mosquitto.conf key that has no equivalent, or undefined. */
export function replacedMosquittoKey(key: string): string | undefined {
  return MOSQUITTO_REPLACED.get(key.toLowerCase());
}
