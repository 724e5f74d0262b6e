// An append-only file of JSON lines: the durable half of the local stores. Appends are queued and `flush()`
// writes them with one write call (to the OS, which keeps them across a kill -9), so a caller writes a whole
// batch at once and knows when it is recorded. A torn last line, left by a crash mid-write, is skipped on open.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class Journal<T> {
  private fd: number;
  private pending: string[] = [];
  private torn = false;
  private lines: number;

  private constructor(
    private readonly file: string,
    existingLines: number,
  ) {
    this.fd = openSync(file, 'a');
    this.lines = existingLines;
  }

  /** Opens (creating if need be) the journal at `file` and returns the records already in it. */
  static open<T>(file: string): { journal: Journal<T>; records: T[] } {
    mkdirSync(dirname(file), { recursive: true });
    const records: T[] = [];
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as T);
      } catch {
        // a line torn by a crash mid-write: everything before it is intact
      }
    }
    return { journal: new Journal<T>(file, records.length), records };
  }

  /** How many records the file holds, live or superseded: the cue for compaction. */
  get size(): number {
    return this.lines + this.pending.length;
  }

  /** Queues a record; `flush()` writes what is queued. */
  append(record: T): void {
    this.pending.push(`${JSON.stringify(record)}\n`);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    if (this.fd < 0) throw new Error(`the journal ${this.file} is closed`);
    // after a failed write, a newline ends the line it may have torn, so that the next record stays whole
    const chunk = Buffer.from((this.torn ? '\n' : '') + this.pending.join(''));
    this.lines += this.pending.length;
    this.pending = [];
    try {
      // a nearly full disk may take part of a write without an error: write the rest, or fail on it
      for (let written = 0; written < chunk.length; ) {
        written += writeSync(this.fd, chunk, written);
      }
      this.torn = false;
    } catch (err) {
      this.torn = true;
      throw err;
    }
  }

  /** Replaces the whole file by `records` atomically (write aside, then rename). */
  rewrite(records: Iterable<T>): void {
    this.pending = [];
    const tmp = `${this.file}.tmp`;
    let text = '';
    let count = 0;
    for (const record of records) {
      text += `${JSON.stringify(record)}\n`;
      count++;
    }
    writeFileSync(tmp, text);
    renameSync(tmp, this.file);
    closeSync(this.fd);
    this.fd = openSync(this.file, 'a');
    this.lines = count;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
    // a late write fails rather than landing in whatever file reuses the descriptor
    this.fd = -1;
  }
}
