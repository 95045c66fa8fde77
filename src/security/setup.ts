/**
 * Everything the security keys of gateway.conf ask for, loaded once at start-up: the
 * authenticator (allow_anonymous, password_file, use_identity_as_username), the ACL authorizer
 * (acl_file), the MQTT-SN admission list (mqttsn_admission_file), the connection limiter and the
 * topic limits. A bad file stops start-up with a SecurityFileError naming the file and the line.
 */
import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../observe/logger.js';
import { type AclAuthorizer, createAclAuthorizer, loadAclFile } from './acl.js';
import { type AdmissionList, loadAdmissionFile } from './admission.js';
import { type Authenticate, createAuthenticator } from './authenticate.js';
import { type GuardedAuthorizer, guardedAuthorizer } from './guard.js';
import { ConnectionLimiter } from './limits.js';
import { createSnSecurity, type MqttSnSecurity } from './mqttsn.js';
import { loadPasswordFile, type PasswordFile } from './password-file.js';
import type { TopicLimits } from './topic-limits.js';

export type SecurityConfig = Pick<
  GatewayConfig,
  | 'allowAnonymous'
  | 'passwordFile'
  | 'aclFile'
  | 'mqttsnAdmissionFile'
  | 'useIdentityAsUsername'
  | 'maxConnections'
  | 'maxConnectionsPerAddress'
  | 'connectionRate'
  | 'maxTopicLength'
  | 'maxTopicLevels'
>;

export interface SecuritySetup {
  authenticate: Authenticate;
  /**
   * For BrokerOptions.authorizer: the ACL and the topic limits. Absent without acl_file and
   * without topic limits: everything allowed (mosquitto's default).
   */
  authorizer?: GuardedAuthorizer;
  /** The ACL alone (acl_file). */
  acl?: AclAuthorizer;
  /** Absent without mqttsn_admission_file: every MQTT-SN client admitted. */
  admission?: AdmissionList;
  passwords?: PasswordFile;
  /** For the MQTT-SN gateway: admission list and QoS −1 checks; absent when neither file is set. */
  mqttsn?: MqttSnSecurity;
  limiter: ConnectionLimiter;
  topicLimits: TopicLimits;
  /** One line per setting, for the start-up log. No secrets. */
  summary: string[];
}

export function loadSecurity(config: SecurityConfig, logger: Logger): SecuritySetup {
  const passwords = config.passwordFile === undefined ? undefined : loadPasswordFile(config.passwordFile);
  const acl = config.aclFile === undefined ? undefined : loadAclFile(config.aclFile);
  const admission =
    config.mqttsnAdmissionFile === undefined ? undefined : loadAdmissionFile(config.mqttsnAdmissionFile);
  const summary = [
    `allow_anonymous ${config.allowAnonymous}`,
    passwords === undefined ? 'no password_file' : `password_file ${passwords.file}: ${passwords.size} users`,
    acl === undefined
      ? 'no acl_file: every client may publish and subscribe anywhere'
      : `acl_file ${acl.file}: ${acl.users.size} users, ${acl.anonymous.length} anonymous rules, ${acl.patterns.length} patterns`,
    admission === undefined
      ? 'no mqttsn_admission_file: every MQTT-SN client admitted'
      : `mqttsn_admission_file ${admission.file}: ${admission.size} entries`,
  ];
  const setup: SecuritySetup = {
    authenticate: createAuthenticator({
      allowAnonymous: config.allowAnonymous,
      useIdentityAsUsername: config.useIdentityAsUsername,
      ...(passwords === undefined ? {} : { passwords }),
    }),
    limiter: new ConnectionLimiter({
      maxConnections: config.maxConnections,
      maxConnectionsPerAddress: config.maxConnectionsPerAddress,
      connectionRate: config.connectionRate,
    }),
    topicLimits: { maxTopicLength: config.maxTopicLength, maxTopicLevels: config.maxTopicLevels },
    summary,
  };
  if (passwords !== undefined) setup.passwords = passwords;
  if (acl !== undefined) setup.acl = createAclAuthorizer(acl);
  const authorizer = guardedAuthorizer(setup.acl, setup.topicLimits, logger);
  if (authorizer !== undefined) setup.authorizer = authorizer;
  const mqttsn = createSnSecurity(admission, setup.authorizer, logger);
  if (mqttsn !== undefined) setup.mqttsn = mqttsn;
  if (admission !== undefined) setup.admission = admission;
  return setup;
}
