import type { JobResult } from './protocol.js';

/** A prepared piece of load on one generator process, waiting for 'go'. */
export interface Role {
  /** Runs the load; resolves with what was measured, also when stopped early or past the deadline. */
  go(): Promise<JobResult>;
  /** Ends the load now and closes every socket. */
  stop(): Promise<void>;
}

/** A result produced exactly once: by completion, the deadline or a stop, whichever comes first. */
export class OneShot<T> {
  private settled = false;
  private resolveFn: (value: T) => void = () => {};
  readonly promise = new Promise<T>((resolve) => {
    this.resolveFn = resolve;
  });

  get done(): boolean {
    return this.settled;
  }

  settle(make: () => T): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveFn(make());
  }
}
