/** mosquitto_sub as an outside witness of what the broker publishes (wills, sensor data). */
import { type ChildProcess, spawn } from 'node:child_process';

export interface MosquittoSub {
  /** Resolves once mosquitto_sub has its SUBACK. */
  ready: Promise<void>;
  /** Its stdout once it exits after `count` messages (rejects on a non-zero exit, e.g. -W timeout). */
  output: Promise<string>;
  child: ChildProcess;
}

export function mosquittoSub(port: number, topic: string, count = 1, timeoutSeconds = 10): MosquittoSub {
  // stdbuf: mosquitto_sub's -d trace is block-buffered on a pipe; line buffering shows its SUBACK.
  const args = ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-t', topic, '-v', '-d'];
  const child = spawn('stdbuf', [...args, '-C', String(count), '-W', String(timeoutSeconds)]);
  let out = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('SUBACK')) markReady();
  });
  const output = new Promise<string>((resolve, reject) => {
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`mosquitto_sub exited ${code}: ${out}`)),
    );
  });
  output.catch(() => {}); // observed by the test that awaits it
  return { ready, output, child };
}
