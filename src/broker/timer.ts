/**
 * Unref'd one-shot timers that also work past setTimeout's 24.8-day limit (session expiry may be
 * up to 0xFFFFFFFE seconds): a long wait is re-armed in chunks.
 */
const MAX_CHUNK_MS = 0x7fffffff;

export class LongTimer {
  private handle: NodeJS.Timeout | undefined;

  constructor(
    private readonly now: () => number,
    private readonly onDue: () => void,
  ) {}

  /** (Re)start so that onDue runs at epoch ms `dueAt`. */
  startAt(dueAt: number): void {
    this.cancel();
    this.arm(dueAt);
  }

  cancel(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(dueAt: number): void {
    const wait = Math.max(0, dueAt - this.now());
    this.handle = setTimeout(
      () => {
        this.handle = undefined;
        if (this.now() >= dueAt || wait < MAX_CHUNK_MS) this.onDue();
        else this.arm(dueAt);
      },
      Math.min(wait, MAX_CHUNK_MS),
    );
    this.handle.unref();
  }
}
