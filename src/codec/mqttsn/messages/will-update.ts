/** Will update: WILLTOPICUPD, WILLMSGUPD and their responses (MQTT-SN §5.4.22-§5.4.25, flow in §6.4). */
import { returnCodeOnly, willMsgBytes, willTopic } from './shapes.js';

/** §5.4.22 Table 25: Flags(2) WillTopic(3:n); the empty 2-octet form deletes the will. */
export const willTopicUpd = willTopic('WILLTOPICUPD', '§5.4.22');
/** §5.4.23 Table 26: WillMsg(2:n). */
export const willMsgUpd = willMsgBytes('WILLMSGUPD');
/** §5.4.24 Table 27: ReturnCode(2). */
export const willTopicResp = returnCodeOnly('WILLTOPICRESP', '§5.4.24');
/** §5.4.25 Table 27: ReturnCode(2). */
export const willMsgResp = returnCodeOnly('WILLMSGRESP', '§5.4.25');
