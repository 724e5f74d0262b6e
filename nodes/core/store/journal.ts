// An append-only file of JSON lines: the durable half of the local stores. Appends are queued and `flush()`
// writes them with one write call (to the OS, which keeps them across a kill -9), so a caller writes a whole
// batch at once and knows when it is recorded: all of it, or (after an error) none of it. A torn last line,
// left by a crash mid-write, is skipped on open and ended before the next record.
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

export class Journal<T> {
  private fd: number;
  private pending: string[] = [];
  /** The file's length, where a failed write is cut back to. */
  private bytes: number;
  private lines: number;

  private constructor(
    private readonly file: string,
    existingLines: number,
    /** The file ends inside a line: the next write starts a new one. */
    private torn: boolean,
  ) {
    this.fd = openSync(file, 'a');
    this.bytes = fstatSync(this.fd).size;
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
    const torn = text.length > 0 && !text.endsWith('\n');
    return { journal: new Journal<T>(file, records.length, torn), records };
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
    const chunk = Buffer.from((this.torn ? '\n' : '') + this.pending.join(''));
    const count = this.pending.length;
    this.pending = [];
    this.writeAll(this.fd, chunk, this.bytes);
    this.bytes += chunk.length;
    this.lines += count;
    this.torn = false;
  }

  /** Replaces the whole file by `records` atomically (write aside, then rename); unchanged if that fails. */
  rewrite(records: Iterable<T>): void {
    if (this.fd < 0) throw new Error(`the journal ${this.file} is closed`);
    this.pending = [];
    const tmp = `${this.file}.tmp`;
    let text = '';
    let count = 0;
    for (const record of records) {
      text += `${JSON.stringify(record)}\n`;
      count++;
    }
    const chunk = Buffer.from(text);
    // append mode, as the journal's own descriptor, which this one becomes
    const { O_WRONLY, O_CREAT, O_TRUNC, O_APPEND } = constants;
    const fd = openSync(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
    try {
      this.writeAll(fd, chunk, 0);
      renameSync(tmp, this.file);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    const old = this.fd;
    this.fd = fd;
    this.bytes = chunk.length;
    this.lines = count;
    this.torn = false;
    if (old >= 0) closeSync(old);
  }

  /**
   * Writes all of `chunk` at the end of a file `start` bytes long, or cuts it back to `start` and throws: a
   * nearly full disk may take part of a write without an error, then fail on the rest.
   */
  private writeAll(fd: number, chunk: Buffer, start: number): void {
    if (fd < 0) throw new Error(`the journal ${this.file} is closed`);
    try {
      for (let written = 0; written < chunk.length; ) {
        written += writeSync(fd, chunk, written);
      }
    } catch (err) {
      try {
        ftruncateSync(fd, start);
      } catch {
        this.torn = true; // part of a line may stay: end it before the next record
      }
      throw err;
    }
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    // a late write fails rather than landing in whatever file reuses the descriptor
    this.fd = -1;
  }
}
