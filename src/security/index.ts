/** What other folders may use of src/security. */
export { AclAuthorizer, type AclFile, createAclAuthorizer, loadAclFile, parseAclFile } from './acl.js';
export { AdmissionList, type AdmissionResult, loadAdmissionFile, parseAdmissionFile } from './admission.js';
export {
  type Authenticate,
  type AuthenticationRequest,
  type AuthenticationResult,
  createAuthenticator,
} from './authenticate.js';
export { SecurityFileError } from './errors.js';
export { type GuardCounters, GuardedAuthorizer, guardedAuthorizer } from './guard.js';
export {
  addressOf,
  ConnectionLimiter,
  type ConnectionLimitOptions,
  type ConnectionSlot,
  describeRefusal,
  type LimitCounters,
} from './limits.js';
export { createSnSecurity, MqttSnSecurity, type SnAdmission, type SnSecurity } from './mqttsn.js';
export { loadPasswordFile, PasswordFile, parsePasswordFile } from './password-file.js';
export { loadSecurity, type SecurityConfig, type SecuritySetup } from './setup.js';
export {
  SECURITY_SYS_PREFIX,
  type SecurityCounterSources,
  SecuritySysPublisher,
  securityCounters,
} from './sys.js';
export { certificateIdentity, TlsSetupError, tlsServerOptions } from './tls.js';
export { type TopicLimits, topicLimitViolation } from './topic-limits.js';
