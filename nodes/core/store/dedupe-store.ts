import { createHash } from 'node:crypto';
import { Journal } from './journal';

/**
 * Remembers which event ids were already accepted. The interface is asynchronous and takes ids in batches,
 * so that a shared store (Redis, a database) can replace the local one with one round trip per batch.
 */
export interface DedupeStore {
  /**
   * Records `keys` and resolves once they are recorded: true for each key seen for the first time within the
   * horizon, false for a repeat (also for a key repeated within `keys`), and 'pending' for a key another
   * instance has just claimed but not yet settled (a shared store only: the sender should retry shortly).
   * Rejects, recording none, on failure.
   */
  claimAll(keys: readonly string[], nowMs: number): Promise<Claim[]>;
  close(): Promise<void>;
}

export type Claim = boolean | 'pending';

export interface LocalDedupeOptions {
  /** How long an id is remembered. */
  horizonMs: number;
  /** The journal that keeps ids across restarts; without one, ids live in memory only. */
  file?: string;
  /** A bound on memory: past it, the oldest ids are forgotten first. */
  maxEntries?: number;
  /**
   * A bound on the journal file in bytes: the ids kept take at most half of it (past that, the oldest are
   * forgotten first), and the file is compacted once it reaches three quarters.
   */
  maxBytes?: number;
}

type Entry = [key: string, expiresAt: number];

const isEntry = (value: unknown): boolean =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'number';

/** Journals shorter than this are never compacted. */
const COMPACT_FLOOR = 10_000;
export const DEFAULT_MAX_ENTRIES = 1_000_000;
export const DEFAULT_MAX_BYTES = 128 * 1024 * 1024;
/** Longer ids are kept as a digest, so that a line on disk stays under 64 bytes. */
const MAX_PLAIN_ID_BYTES = 40;
const DIGEST = /^#[\w-]{22}$/;
/** Expired ids forgotten per claim at most: a whole horizon's worth at once would stall the event loop. */
const FORGET_PER_CLAIM = 10_000;

/**
 * The form an id is kept in: a short id as it is; a long one (or one JSON would escape) as '#' and 128 bits
 * of its SHA-256, which is plenty to tell ids apart.
 */
export function storedKey(id: string): string {
  const plain =
    id.length <= MAX_PLAIN_ID_BYTES &&
    Buffer.byteLength(id) <= MAX_PLAIN_ID_BYTES &&
    !id.startsWith('#') && // '#' starts only digests
    JSON.stringify(id).length === id.length + 2; // nothing escaped, lone surrogates included
  if (plain) return id;
  return `#${createHash('sha256').update(id, 'utf16le').digest('base64url').slice(0, 22)}`;
}

/** The bytes of an entry's journal line: `["key",expiresAt]\n`. */
const lineBytes = (key: string, expiresAt: number) => Buffer.byteLength(key) + String(expiresAt).length + 6;

/**
 * Ids in a Map (insertion order is expiry order) with an append-only journal behind it. The journal is read
 * and compacted a chunk per turn of the event loop, so neither stalls the requests being answered.
 */
export class LocalDedupeStore implements DedupeStore {
  private readonly expiry = new Map<string, number>();
  private journal: Journal<Entry> | undefined;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  /** The bytes the live ids take on disk. */
  private liveBytes = 0;
  private retryCompactionAt = 0;
  private compaction: Promise<void> | undefined;
  /**
   * Settles once the journal is read: how many of its lines were not ids (skipped), or why it could not be
   * read. Claims wait for it and fail with the same error: the store never falls back to memory alone.
   */
  readonly ready: Promise<{ skippedLines: number }>;

  constructor(
    private readonly options: LocalDedupeOptions,
    nowMs = Date.now(),
  ) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.ready = this.load(nowMs);
    this.ready.catch(() => undefined); // claims report it; left unobserved it must not end the process
  }

  get size(): number {
    return this.expiry.size;
  }

  /** The batch is written to the journal with one write before the claims count (see DedupeStore). */
  async claimAll(keys: readonly string[], nowMs: number): Promise<boolean[]> {
    await this.ready;
    this.forgetExpired(nowMs);
    const claimed: string[] = [];
    const firsts = keys.map((id) => {
      const key = storedKey(id);
      const expiresAt = this.expiry.get(key);
      if (expiresAt !== undefined && expiresAt > nowMs) return false;
      const entry: Entry = [key, nowMs + this.options.horizonMs];
      this.remember(key, entry[1]);
      this.journal?.append(entry);
      claimed.push(key);
      return true;
    });
    try {
      this.journal?.flush();
    } catch (err) {
      // not recorded: forget the batch, so that the sender's retry is not taken for a duplicate
      for (const key of claimed) this.forget(key);
      throw err;
    }
    this.keepWithinBounds();
    this.compactIfWasteful();
    return firsts;
  }

  /** One id: true the first time within the horizon. */
  async claim(key: string, nowMs: number): Promise<boolean> {
    const [first] = await this.claimAll([key], nowMs);
    return first === true;
  }

  /** Resolves when nothing runs in the background (the journal is read, no compaction is under way). */
  async idle(): Promise<void> {
    await this.ready.catch(() => undefined);
    while (this.compaction) await this.compaction;
  }

  async close(): Promise<void> {
    await this.idle();
    this.journal?.close();
  }

  private async load(nowMs: number): Promise<{ skippedLines: number }> {
    if (!this.options.file) return { skippedLines: 0 };
    const { journal, skipped } = await Journal.openStreaming<Entry>(
      this.options.file,
      ([key, expiresAt]) => {
        if (expiresAt <= nowMs) return;
        // ids kept whole by earlier versions are digested like new ones
        this.remember(DIGEST.test(key) ? key : storedKey(key), expiresAt);
        this.keepWithinBounds();
      },
      { isRecord: isEntry },
    );
    this.journal = journal;
    return { skippedLines: skipped };
  }

  private remember(key: string, expiresAt: number): void {
    this.forget(key);
    this.expiry.set(key, expiresAt);
    this.liveBytes += lineBytes(key, expiresAt);
  }

  private forget(key: string): void {
    const expiresAt = this.expiry.get(key);
    if (expiresAt === undefined) return;
    this.expiry.delete(key);
    this.liveBytes -= lineBytes(key, expiresAt);
  }

  private forgetExpired(nowMs: number): void {
    let forgotten = 0;
    for (const [key, expiresAt] of this.expiry) {
      if (expiresAt > nowMs || forgotten++ >= FORGET_PER_CLAIM) break;
      this.forget(key);
    }
  }

  /** The policy at either bound: the oldest ids are forgotten first. */
  private keepWithinBounds(): void {
    for (const key of this.expiry.keys()) {
      if (this.expiry.size <= this.maxEntries && this.liveBytes <= this.maxBytes / 2) break;
      this.forget(key);
    }
  }

  /**
   * Best effort, in the background: the batch is already recorded, and a failed rewrite leaves the journal as
   * it was. After a failure the next attempt waits until the journal has grown by another COMPACT_FLOOR lines.
   */
  private compactIfWasteful(): void {
    const journal = this.journal;
    if (!journal || this.compaction || journal.size < this.retryCompactionAt) return;
    const wasteful =
      journal.size >= Math.max(COMPACT_FLOOR, this.expiry.size * 2) ||
      journal.bytes >= (this.maxBytes * 3) / 4;
    if (!wasteful) return;
    this.compaction = journal
      .rewriteInBackground(this.expiry.entries())
      .then(
        () => {
          this.retryCompactionAt = 0;
        },
        () => {
          this.retryCompactionAt = journal.size + COMPACT_FLOOR;
        },
      )
      .finally(() => {
        this.compaction = undefined;
      });
  }
}
