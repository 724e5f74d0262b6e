import { Journal } from './journal';

/**
 * Remembers which event ids were already accepted. The interface is asynchronous and takes ids in batches,
 * so that a shared store (Redis, a database) can replace the local one with one round trip per batch.
 */
export interface DedupeStore {
  /**
   * Records `keys` and resolves once they are recorded: true for each key seen for the first time within the
   * horizon, false for a repeat (also for a key repeated within `keys`). Rejects, recording none, on failure.
   */
  claimAll(keys: readonly string[], nowMs: number): Promise<boolean[]>;
  close(): Promise<void>;
}

export interface LocalDedupeOptions {
  /** How long an id is remembered. */
  horizonMs: number;
  /** The journal that keeps ids across restarts; without one, ids live in memory only. */
  file?: string;
  /** A bound on memory: past it, the oldest ids are forgotten first. */
  maxEntries?: number;
}

type Entry = [key: string, expiresAt: number];

/** Journals shorter than this are never compacted. */
const COMPACT_FLOOR = 10_000;

/** Ids in a Map (insertion order is expiry order) with an append-only journal behind it. */
export class LocalDedupeStore implements DedupeStore {
  private readonly expiry = new Map<string, number>();
  private readonly journal: Journal<Entry> | undefined;
  private readonly maxEntries: number;
  private retryCompactionAt = 0;

  constructor(
    private readonly options: LocalDedupeOptions,
    nowMs = Date.now(),
  ) {
    this.maxEntries = options.maxEntries ?? 1_000_000;
    if (options.file) {
      const { journal, records } = Journal.open<Entry>(options.file);
      this.journal = journal;
      for (const [key, expiresAt] of records) {
        if (expiresAt > nowMs) this.expiry.set(key, expiresAt);
      }
    }
  }

  get size(): number {
    return this.expiry.size;
  }

  /** The batch is written to the journal with one write before the claims count (see DedupeStore). */
  async claimAll(keys: readonly string[], nowMs: number): Promise<boolean[]> {
    this.forgetExpired(nowMs);
    const claimed: string[] = [];
    const firsts = keys.map((key) => {
      const expiresAt = this.expiry.get(key);
      if (expiresAt !== undefined && expiresAt > nowMs) return false;
      const entry: Entry = [key, nowMs + this.options.horizonMs];
      this.expiry.delete(key);
      this.expiry.set(key, entry[1]);
      this.journal?.append(entry);
      claimed.push(key);
      return true;
    });
    try {
      this.journal?.flush();
    } catch (err) {
      // not recorded: forget the batch, so that the sender's retry is not taken for a duplicate
      for (const key of claimed) this.expiry.delete(key);
      throw err;
    }
    this.compactIfWasteful();
    return firsts;
  }

  /** One id: true the first time within the horizon. */
  async claim(key: string, nowMs: number): Promise<boolean> {
    const [first] = await this.claimAll([key], nowMs);
    return first === true;
  }

  async close(): Promise<void> {
    this.journal?.close();
  }

  private forgetExpired(nowMs: number): void {
    for (const [key, expiresAt] of this.expiry) {
      if (expiresAt > nowMs && this.expiry.size < this.maxEntries) break;
      this.expiry.delete(key);
    }
  }

  /**
   * Best effort: the batch is already recorded, and a failed rewrite leaves the journal as it was. After a
   * failure the next attempt waits until the journal has grown by another COMPACT_FLOOR lines.
   */
  private compactIfWasteful(): void {
    const journal = this.journal;
    if (!journal || journal.size < Math.max(COMPACT_FLOOR, this.expiry.size * 2, this.retryCompactionAt))
      return;
    try {
      journal.rewrite(this.expiry.entries());
      this.retryCompactionAt = 0;
    } catch {
      this.retryCompactionAt = journal.size + COMPACT_FLOOR;
    }
  }
}
