/**
 * The simulator's UDP links: a socket that cannot be bound is reported to the caller and not left
 * open behind it (an open UDP handle keeps the process alive after the run).
 */
import { describe, expect, it, vi } from 'vitest';
import { createForwarderNetwork } from './links/forwarder.js';
import { NO_LOSS } from './links/types.js';

function openUdpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'UDPWrap').length;
}

describe('forwarder network', () => {
  it('a source address that cannot be bound rejects, and closes its socket', async () => {
    const before = openUdpHandles();
    const errors: string[] = [];
    await expect(
      createForwarderNetwork({
        gateway: { host: '127.0.0.1', port: 9 },
        // TEST-NET-3 (RFC 5737): never an address of this machine, so bind fails (EADDRNOTAVAIL).
        sourceAddress: '203.0.113.7',
        loss: NO_LOSS,
        onError: (message) => errors.push(message),
      }),
    ).rejects.toThrow(/EADDRNOTAVAIL|bind/);
    // A closed handle leaves the list a moment after its close callback.
    await vi.waitFor(() => expect(openUdpHandles()).toBe(before), { timeout: 2000, interval: 20 });
  });
});
