// Reading a journal line by line from chunks of bytes, so that no step holds the whole file: a journal may be
// larger than the longest string JavaScript can make, and reading it asynchronously keeps the event loop free.

/** A line longer than this is damage, not a record: skipped without being held in memory. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Any object or array: what every journal writes. `null`, numbers and strings are not records. */
export const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null;

/**
 * Splits chunks into lines and hands each record on. A line that is not JSON, or not a record by
 * `isRecord`, is skipped and counted; the rest are kept. A last line without its newline was torn by a crash
 * mid-write: kept if it is whole JSON, never counted as bad.
 */
export class JournalLines<T> {
  /** Lines skipped as not records. */
  skipped = 0;
  /** Records handed on. */
  records = 0;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private overlong = false;

  constructor(
    private readonly onRecord: (record: T) => void,
    private readonly isRecord: (value: unknown) => boolean = isObject,
  ) {}

  /** Takes the next bytes of the file (the buffer may be reused afterwards). */
  push(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      this.line(chunk.subarray(start, end), true);
      start = end + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  /** The file has ended; true when its last line had no newline (the next write must start a new line). */
  end(): boolean {
    if (this.partialBytes === 0 && !this.overlong) return false;
    this.line(Buffer.alloc(0), false);
    return true;
  }

  private hold(part: Buffer): void {
    if (this.overlong) return;
    this.partialBytes += part.length;
    if (this.partialBytes > MAX_LINE_BYTES) {
      this.overlong = true;
      this.partial = [];
    } else {
      this.partial.push(Buffer.from(part));
    }
  }

  private line(tail: Buffer, ended: boolean): void {
    const overlong = this.overlong || this.partialBytes + tail.length > MAX_LINE_BYTES;
    const bytes = this.partial.length > 0 ? Buffer.concat([...this.partial, tail]) : tail;
    this.partial = [];
    this.partialBytes = 0;
    this.overlong = false;
    if (overlong) {
      if (ended) this.skipped++;
      return;
    }
    if (bytes.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      if (ended) this.skipped++;
      return;
    }
    if (!this.isRecord(value)) {
      this.skipped++;
      return;
    }
    this.records++;
    this.onRecord(value as T);
  }
}
