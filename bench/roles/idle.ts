/**
 * Idle connections: open them with a bounded number of handshakes in flight (so a broker's listen
 * backlog is never overrun — a dropped SYN costs a 1 s retransmit and would measure the kernel, not
 * the broker), report the connection rate, then hold them open until told to stop.
 *
 * This path is deliberately leaner than BenchClient (no frame scanner, no promise or timer per
 * connection): at ~20k connections/s the generator's per-connection cost is what could limit the figure.
 * CONNECT is written before the socket connects (Node sends it once connected), and the reply is
 * checked as the 4-byte CONNACK "20 02 00 00" [MQTT-3.2.2-3]; the job's deadline bounds stragglers.
 */
import net from 'node:net';
import { type IdleJob, type IdleResult, nowNs } from '../protocol.js';
import { connectPacket } from '../wire.js';
import { OneShot, type Role } from './role.js';

function isAcceptingConnack(chunk: Buffer): boolean {
  return chunk.length >= 4 && chunk[0] === 0x20 && chunk[1] === 0x02 && chunk[3] === 0x00;
}

export async function prepareIdle(job: IdleJob): Promise<Role> {
  const sockets: net.Socket[] = [];
  let connected = 0;
  let failed = 0;
  let launched = 0;
  let inFlight = 0;
  let startNs = 0;
  let endNs = 0;
  let firstFailure = '';
  const outcome = new OneShot<IdleResult>();
  const finish = (timedOut: boolean): void =>
    outcome.settle(() => {
      if (firstFailure !== '')
        process.stderr.write(`idle connections: ${failed} failed, first: ${firstFailure}\n`);
      return { kind: 'idle', connected, failed, startNs, endNs: endNs || nowNs(), timedOut };
    });

  const settleOne = (): void => {
    inFlight -= 1;
    if (connected + failed === job.connections) {
      endNs = nowNs();
      finish(false);
    } else {
      launch();
    }
  };

  const openOne = (clientId: string): void => {
    const socket = net.connect({ port: job.port, host: '127.0.0.1' });
    sockets.push(socket);
    let settled = false;
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      failed += 1;
      if (firstFailure === '') firstFailure = `${clientId}: ${reason}`;
      socket.destroy();
      settleOne();
    };
    socket.write(connectPacket(clientId));
    socket.once('data', (chunk: Buffer) => {
      if (!isAcceptingConnack(chunk)) {
        fail(`unexpected reply ${chunk.subarray(0, 4).toString('hex')}`);
        return;
      }
      settled = true;
      connected += 1;
      settleOne();
    });
    socket.on('error', (error) => fail(error.message));
    socket.on('close', () => fail('closed before CONNACK'));
  };

  const launch = (): void => {
    while (inFlight < job.concurrency && launched < job.connections && !outcome.done) {
      inFlight += 1;
      openOne(`${job.clientIdPrefix}${launched}`);
      launched += 1;
    }
  };

  return {
    go: () => {
      startNs = nowNs();
      const deadline = setTimeout(() => finish(true), job.deadlineMs);
      outcome.promise.finally(() => clearTimeout(deadline));
      if (job.connections === 0) finish(false);
      launch();
      return outcome.promise;
    },
    stop: async () => {
      finish(true);
      for (const socket of sockets) socket.destroy();
    },
  };
}
