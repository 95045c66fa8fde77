/**
 * How the benchmarks start our gateway: exactly as it ships (bin/mqttsn-gateway.js's shebang and
 * `npm start` pass the same V8 flag — see the comment in bin/mqttsn-gateway.js).
 */
export const GATEWAY_NODE_FLAGS = '--max-semi-space-size=4';

export function oursCommand(binPath: string, args: string): string {
  return `${process.execPath} ${GATEWAY_NODE_FLAGS} ${binPath} ${args}`;
}
