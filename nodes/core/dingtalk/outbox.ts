import { Journal } from '../store/journal';
import type { DigestEntry } from './digest';
import type { DingTalkMessage } from './schema';

/** An accepted alert waiting to be sent (the durable unit: each is delivered or reported failed). */
export interface OutboxAlert {
  id: string;
  /** Acceptance order. */
  seq: number;
  acceptedAt: number;
  /** Which dingtalk-send node accepted it (its results go back there). */
  senderId?: string;
  /** The message as it would be sent alone. */
  message: DingTalkMessage;
  /** Its line in a digest. */
  entry: DigestEntry;
  /** Whatever the adapter needs to rebuild its output msg (JSON-serialisable). */
  context?: unknown;
}

/** A request in flight: one alert alone, or a digest of several. Resent as-is, same msgUuid, after a crash. */
export interface OutboxBatch {
  id: string;
  msgUuid: string;
  alertIds: string[];
  /** The exact body (msgUuid included). */
  message: DingTalkMessage;
  createdAt: number;
}

/** What is still owed on open: batches in flight (oldest first), then waiting alerts in order. */
export interface OwedWork {
  batches: { batch: OutboxBatch; alerts: OutboxAlert[] }[];
  alerts: OutboxAlert[];
}

/**
 * The outbox: asynchronous so that a shared store (Redis) can replace the local one. A write has resolved
 * only once it is durable; the dispatcher waits for `enqueue` before it accepts an alert and for `startBatch`
 * before it sends the request.
 */
export interface OutboxStore {
  /** True when records survive a restart (a file or a server), false for memory only. */
  readonly durable: boolean;
  /** Loads what is still owed. Called once, before any other method. */
  open(): Promise<OwedWork>;
  /** Records an accepted alert. */
  enqueue(alert: OutboxAlert): Promise<void>;
  /** Records a request about to be sent (its alerts leave the waiting list). */
  startBatch(batch: OutboxBatch): Promise<void>;
  /** Records a batch's end: delivered (never sent again) or failed for good. */
  finishBatch(
    batchId: string,
    result: { delivered: true } | { delivered: false; reason: string },
  ): Promise<void>;
  close(): Promise<void>;
}

type OutboxRecord =
  | { t: 'a'; alert: OutboxAlert }
  | { t: 'b'; batch: OutboxBatch }
  | { t: 'd'; b: string }
  | { t: 'f'; b: string; reason: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A journal line of the shape `open` reads; anything else (a damaged or foreign line) is skipped and counted. */
function isOutboxRecord(value: unknown): value is OutboxRecord {
  if (!isObject(value)) return false;
  switch (value.t) {
    case 'a':
      return (
        isObject(value.alert) &&
        typeof value.alert.id === 'string' &&
        typeof value.alert.seq === 'number' &&
        typeof value.alert.acceptedAt === 'number' &&
        isObject(value.alert.message) &&
        isObject(value.alert.entry)
      );
    case 'b':
      return (
        isObject(value.batch) &&
        typeof value.batch.id === 'string' &&
        typeof value.batch.msgUuid === 'string' &&
        isObject(value.batch.message) &&
        Array.isArray(value.batch.alertIds) &&
        value.batch.alertIds.every((id) => typeof id === 'string')
      );
    case 'd':
      return typeof value.b === 'string';
    case 'f':
      return typeof value.b === 'string' && typeof value.reason === 'string';
    default:
      return false;
  }
}

/** Options for the local outbox. */
export interface LocalOutboxOptions {
  /** The journal file; without one the outbox lives in memory only (not durable). */
  file?: string;
  /** Compact when the journal holds more than this many records beyond twice the live ones (default 1,000). */
  compactSlack?: number;
}

/**
 * The outbox on an append-only journal (nodes/core/store/journal.ts): every write is flushed to the OS before
 * it resolves, so it survives kill -9; a torn last line is skipped on open; settled records are compacted away.
 */
export class LocalOutbox implements OutboxStore {
  readonly durable: boolean;
  private journal: Journal<OutboxRecord> | undefined;
  private readonly waiting = new Map<string, OutboxAlert>();
  private readonly inFlight = new Map<string, OutboxBatch>();
  private readonly batchAlerts = new Map<string, OutboxAlert>();
  private opened = false;
  /** Lines of the journal that were not records when it was opened (skipped; the caller warns once). */
  skippedLines = 0;

  constructor(private readonly options: LocalOutboxOptions = {}) {
    this.durable = options.file !== undefined;
  }

  async open(): Promise<OwedWork> {
    if (this.opened) throw new Error('outbox already open');
    if (this.options.file === undefined) {
      this.opened = true;
      return { batches: [], alerts: [] };
    }
    // Opened only once the journal is: after a failure (a full disk) the caller may simply try again.
    const { journal, records, skipped } = Journal.open<OutboxRecord>(this.options.file, {
      isRecord: isOutboxRecord,
    });
    this.opened = true;
    this.journal = journal;
    this.skippedLines = skipped;
    const alerts = new Map<string, OutboxAlert>();
    for (const r of records) {
      if (r.t === 'a') {
        alerts.set(r.alert.id, r.alert);
        this.waiting.set(r.alert.id, r.alert);
      } else if (r.t === 'b') {
        this.inFlight.set(r.batch.id, r.batch);
        for (const id of r.batch.alertIds) {
          const alert = alerts.get(id);
          if (alert) this.batchAlerts.set(id, alert);
          this.waiting.delete(id);
        }
      } else if (r.t === 'd' || r.t === 'f') {
        const batch = this.inFlight.get(r.b);
        this.inFlight.delete(r.b);
        for (const id of batch?.alertIds ?? []) this.batchAlerts.delete(id);
      }
    }
    try {
      this.compact();
    } catch {
      // no room for the compacted copy (a full disk): the journal as it is stays valid, compaction comes later
    }
    return {
      batches: [...this.inFlight.values()].map((batch) => ({
        batch,
        alerts: batch.alertIds
          .map((id) => this.batchAlerts.get(id))
          .filter((a): a is OutboxAlert => a !== undefined),
      })),
      alerts: [...this.waiting.values()].sort((a, b) => a.seq - b.seq),
    };
  }

  async enqueue(alert: OutboxAlert): Promise<void> {
    this.waiting.set(alert.id, alert);
    this.write({ t: 'a', alert });
  }

  async startBatch(batch: OutboxBatch): Promise<void> {
    this.inFlight.set(batch.id, batch);
    for (const id of batch.alertIds) {
      const alert = this.waiting.get(id);
      if (alert) this.batchAlerts.set(id, alert);
      this.waiting.delete(id);
    }
    this.write({ t: 'b', batch });
  }

  async finishBatch(
    batchId: string,
    result: { delivered: true } | { delivered: false; reason: string },
  ): Promise<void> {
    const batch = this.inFlight.get(batchId);
    this.inFlight.delete(batchId);
    for (const id of batch?.alertIds ?? []) this.batchAlerts.delete(id);
    this.write(result.delivered ? { t: 'd', b: batchId } : { t: 'f', b: batchId, reason: result.reason });
    this.compactIfWasteful();
  }

  async close(): Promise<void> {
    this.journal?.close();
    this.journal = undefined;
  }

  /** Records in the journal file, live or settled (for tests and the compaction cue). */
  get journalSize(): number {
    return this.journal?.size ?? 0;
  }

  /** Alerts still owed (waiting or in flight). */
  get owed(): number {
    return this.waiting.size + this.batchAlerts.size;
  }

  private write(record: OutboxRecord): void {
    if (!this.journal) return;
    this.journal.append(record);
    this.journal.flush();
  }

  private live(): OutboxRecord[] {
    const out: OutboxRecord[] = [];
    const inBatches = [...this.inFlight.values()];
    const alerts = [...this.waiting.values(), ...this.batchAlerts.values()].sort((a, b) => a.seq - b.seq);
    for (const alert of alerts) out.push({ t: 'a', alert });
    for (const batch of inBatches) out.push({ t: 'b', batch });
    return out;
  }

  private compactIfWasteful(): void {
    if (!this.journal) return;
    const liveCount = this.waiting.size + this.batchAlerts.size + this.inFlight.size;
    if (this.journal.size <= liveCount * 2 + (this.options.compactSlack ?? 1_000)) return;
    try {
      this.compact();
    } catch {
      // no room for the compacted copy: the record is written, compaction is tried again on a later one
    }
  }

  /** Rewrites the journal with only what is still owed. */
  compact(): void {
    this.journal?.rewrite(this.live());
  }
}
