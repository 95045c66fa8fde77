/**
 * Model-based property test of the outgoing QoS 1 flow: whatever the interleaving of publishes,
 * acks, disconnects and reconnects, a persistent subscriber gets every message, first copies in
 * publish order, redeliveries marked DUP, never more than receiveMaximum unacknowledged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionHandle } from '../../../src/broker/types.js';
import { connect, FakeLink, linkInfo, makeBroker, message, settle } from './helpers.js';

type Op = { kind: 'publish' } | { kind: 'ack' } | { kind: 'drop' } | { kind: 'reconnect' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Op>({ kind: 'publish' }) },
  { weight: 4, arbitrary: fc.constant<Op>({ kind: 'ack' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'drop' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'reconnect' }) },
);

describe('outgoing QoS 1 flow (fast-check model)', () => {
  it('loses nothing, keeps order, respects the window, marks redeliveries DUP', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(opArb, { maxLength: 60 }),
        async (window, ops) => {
          const broker = makeBroker({ maxQueuedMessages: 0 });
          const pub = connect(broker, 'pub');
          const seen: string[] = []; // first copies, in arrival order
          let link = new FakeLink();
          let session: SessionHandle | undefined;
          let unacked: number[] = [];
          const attach = async () => {
            link = new FakeLink();
            const current = link;
            unacked = [];
            link.onDeliver = (d) => {
              if (current !== link) return;
              const text = d.payload.toString();
              if (d.dup) expect(seen).toContain(text);
              else {
                expect(seen).not.toContain(text);
                seen.push(text);
              }
              unacked.push(d.packetId!);
              expect(unacked.length).toBeLessThanOrEqual(window);
            };
            session = connect(broker, 'sub', {
              cleanStart: false,
              sessionExpiry: 0xffffffff,
              link,
              info: linkInfo({ receiveMaximum: window }),
            }).session;
            await settle();
          };
          await attach();
          session!.subscribe([{ filter: 't', qos: 1 }]);
          let published = 0;
          for (const op of ops) {
            if (op.kind === 'publish') pub.session.publish(message('t', String(published++), 1), () => {});
            else if (op.kind === 'ack' && session && unacked.length > 0) session.puback(unacked.shift()!);
            else if (op.kind === 'drop' && session) {
              session.disconnect({ publishWill: true });
              session = undefined;
            } else if (op.kind === 'reconnect') await attach();
          }
          if (!session) await attach();
          for (let guard = 0; unacked.length > 0 && guard < 1000; guard++) session!.puback(unacked.shift()!);
          expect(seen).toEqual(Array.from({ length: published }, (_, i) => String(i)));
          expect(session!.pendingCount()).toBe(0);
          await broker.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});
