/**
 * Which outgoing seqs belong to each client, so that deleteSession deletes a client's queue rows by
 * primary key (the outgoing table has no index on client_id: it would be paid on every queued
 * message).
 *
 * Append-only arrays instead of a Set per client: queueing a message is the hot path and an array
 * push costs a fraction of a Set insert. A removed seq stays in the array until the array is more
 * than COMPACT_FACTOR times larger than the client's live entries; readers check each seq against
 * the store's `owner(seq)`, which also skips a seq listed twice (deleted and queued again).
 */
const COMPACT_FACTOR = 4;
const COMPACT_MIN_LENGTH = 64;

interface ClientEntries {
  seqs: number[];
  live: number;
}

export class ClientSeqs {
  private readonly byClient = new Map<string, ClientEntries>();

  /** `owner(seq)`: the client the store currently has the entry `seq` for, if any. */
  constructor(private readonly owner: (seq: number) => string | undefined) {}

  add(clientId: string, seq: number): void {
    const entries = this.byClient.get(clientId);
    if (entries === undefined) this.byClient.set(clientId, { seqs: [seq], live: 1 });
    else {
      entries.seqs.push(seq);
      entries.live += 1;
    }
  }

  /** One entry of `clientId` is gone (call after the store forgot it: owner(seq) ≠ clientId). */
  remove(clientId: string): void {
    const entries = this.byClient.get(clientId);
    if (entries === undefined) return;
    entries.live -= 1;
    if (entries.live <= 0) this.byClient.delete(clientId);
    else if (entries.seqs.length > COMPACT_MIN_LENGTH && entries.seqs.length > COMPACT_FACTOR * entries.live)
      entries.seqs = this.current(clientId, entries.seqs);
  }

  /** The client's live seqs (each once), and forget the client. */
  take(clientId: string): number[] {
    const entries = this.byClient.get(clientId);
    if (entries === undefined) return [];
    this.byClient.delete(clientId);
    return this.current(clientId, entries.seqs);
  }

  clear(): void {
    this.byClient.clear();
  }

  private current(clientId: string, seqs: number[]): number[] {
    return [...new Set(seqs.filter((seq) => this.owner(seq) === clientId))];
  }
}
