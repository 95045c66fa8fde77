/**
 * Idle connections: open them with a bounded number of handshakes in flight (so a broker's listen
 * backlog is never overrun — a dropped SYN costs a 1 s retransmit and would measure the kernel, not
 * the broker), report the connection rate, then hold them open until told to stop.
 */
import { BenchClient } from '../client.js';
import { type IdleJob, type IdleResult, nowNs } from '../protocol.js';
import { HANDSHAKE_TIMEOUT_MS, OneShot, type Role } from './role.js';

export async function prepareIdle(job: IdleJob): Promise<Role> {
  const clients: BenchClient[] = [];
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

  const launch = (): void => {
    while (inFlight < job.concurrency && launched < job.connections && !outcome.done) {
      const clientId = `${job.clientIdPrefix}${launched}`;
      launched += 1;
      inFlight += 1;
      BenchClient.connect(job.port, clientId, false, HANDSHAKE_TIMEOUT_MS).then(
        (client) => {
          connected += 1;
          if (outcome.done) client.close();
          else clients.push(client);
          settleOne();
        },
        (error: unknown) => {
          failed += 1;
          if (firstFailure === '') firstFailure = error instanceof Error ? error.message : String(error);
          settleOne();
        },
      );
    }
  };
  const settleOne = (): void => {
    inFlight -= 1;
    if (connected + failed === job.connections) {
      endNs = nowNs();
      finish(false);
    } else {
      launch();
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
      for (const client of clients) client.close();
    },
  };
}
