/** A prepared piece of load on one generator process: connected (and subscribed), waiting for 'go'. */
export interface Role<Result> {
  /** Runs the load; resolves with what was measured, also when stopped early or past the deadline. */
  go(): Promise<Result>;
  /** Ends the load now (the result reports what it got) and closes every connection. */
  stop(): Promise<void>;
}

/**
 * A result that is produced exactly once: by completion, the deadline or a stop — whichever comes
 * first — so every role is bounded in time and still reports partial figures.
 */
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
