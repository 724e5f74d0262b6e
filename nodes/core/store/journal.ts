// An append-only file of JSON lines: the durable half of the local stores. Appends are queued and `flush()`
// writes them with one write call (to the OS, which keeps them across a kill -9), so a caller writes a whole
// batch at once and knows when it is recorded: all of it, or (after an error) none of it. A torn last line,
// left by a crash mid-write, is skipped on open and ended before the next record. The file is read in chunks
// (it may be larger than the longest string JavaScript can make); lines that are not records are skipped and
// counted. Journals hold customer data (the outbox): files are readable by their owner only.
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  write,
  writeSync,
} from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { isObject, JournalLines } from './journal-lines';

const PRIVATE_FILE = 0o600;
const PRIVATE_DIR = 0o700;
/** Bytes read per step. */
const READ_CHUNK = 1024 * 1024;
/** Characters of records written per step of a background rewrite: some milliseconds of JSON.stringify. */
const WRITE_CHUNK = 256 * 1024;
const { O_WRONLY, O_CREAT, O_TRUNC, O_APPEND } = constants;
/** Append mode, as the journal's own descriptor, which a rewritten file's descriptor becomes. */
const CREATE_APPEND = O_WRONLY | O_CREAT | O_APPEND;
const writeAsync = promisify(write);

export interface JournalOptions {
  /** Whether a parsed line is one of this journal's records; others are skipped and counted (default: any object or array). */
  isRecord?: (value: unknown) => boolean;
}

/** A rewrite under way in the background: what was appended to the old file meanwhile, to carry over. */
interface BackgroundRewrite {
  carried: Buffer[];
  carriedLines: number;
  /** Why it must stop (the journal closed, or a synchronous rewrite replaced the file). */
  stopped?: Error;
}

export class Journal<T> {
  private fd: number;
  private pending: string[] = [];
  /** The file's length, where a failed write is cut back to. */
  private length: number;
  private lines: number;
  private background: BackgroundRewrite | undefined;

  private constructor(
    private readonly file: string,
    existingLines: number,
    /** The file ends inside a line: the next write starts a new one. */
    private torn: boolean,
  ) {
    this.fd = openSync(file, CREATE_APPEND, PRIVATE_FILE);
    try {
      fchmodSync(this.fd, PRIVATE_FILE); // a file made by an older version may be world-readable
      this.length = fstatSync(this.fd).size;
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
    this.lines = existingLines;
  }

  /**
   * Opens (creating if need be) the journal at `file` and returns the records already in it, and how many
   * lines were skipped as not records. Reads synchronously: for small files (see `openStreaming`).
   */
  static open<T>(
    file: string,
    options: JournalOptions = {},
  ): { journal: Journal<T>; records: T[]; skipped: number } {
    mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR });
    const records: T[] = [];
    const lines = new JournalLines<T>((record) => records.push(record), options.isRecord ?? isObject);
    const fd = openExisting(file);
    if (fd !== undefined) {
      try {
        const buffer = Buffer.allocUnsafe(READ_CHUNK);
        for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) lines.push(buffer.subarray(0, n));
      } finally {
        closeSync(fd);
      }
    }
    const torn = lines.end();
    return {
      journal: new Journal<T>(file, lines.records + lines.skipped, torn),
      records,
      skipped: lines.skipped,
    };
  }

  /** Opens the journal reading it a chunk per turn of the event loop, handing each record to `onRecord`. */
  static async openStreaming<T>(
    file: string,
    onRecord: (record: T) => void,
    options: JournalOptions = {},
  ): Promise<{ journal: Journal<T>; skipped: number }> {
    mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR });
    const lines = new JournalLines<T>(onRecord, options.isRecord ?? isObject);
    const handle = await openAsync(file, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (handle) {
      try {
        const buffer = Buffer.allocUnsafe(READ_CHUNK);
        for (
          let n = (await handle.read(buffer)).bytesRead;
          n > 0;
          n = (await handle.read(buffer)).bytesRead
        ) {
          lines.push(buffer.subarray(0, n));
        }
      } finally {
        await handle.close();
      }
    }
    const torn = lines.end();
    return { journal: new Journal<T>(file, lines.records + lines.skipped, torn), skipped: lines.skipped };
  }

  /** How many records the file holds, live or superseded: the cue for compaction. */
  get size(): number {
    return this.lines + this.pending.length;
  }

  /** The file's length in bytes (queued records not included). */
  get bytes(): number {
    return this.length;
  }

  /** Queues a record; `flush()` writes what is queued. */
  append(record: T): void {
    this.pending.push(`${JSON.stringify(record)}\n`);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const newline = this.torn ? 1 : 0;
    const chunk = Buffer.from((this.torn ? '\n' : '') + this.pending.join(''));
    const count = this.pending.length;
    this.pending = [];
    this.writeAll(this.fd, chunk, this.length);
    this.length += chunk.length;
    this.lines += count;
    this.torn = false;
    if (this.background && !this.background.stopped) {
      this.background.carried.push(chunk.subarray(newline));
      this.background.carriedLines += count;
    }
  }

  /** Replaces the whole file by `records` atomically (write aside, then rename); unchanged if that fails. */
  rewrite(records: Iterable<T>): void {
    if (this.fd < 0) throw this.closedError();
    this.stopBackground(new Error(`the rewrite of ${this.file} was superseded`));
    this.pending = [];
    let text = '';
    let count = 0;
    for (const record of records) {
      text += `${JSON.stringify(record)}\n`;
      count++;
    }
    const chunk = Buffer.from(text);
    const tmp = `${this.file}.tmp`;
    const fd = openPrivate(tmp);
    try {
      this.writeAll(fd, chunk, 0);
      renameSync(tmp, this.file);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.swap(fd, chunk.length, count);
  }

  /**
   * Replaces the file by `records` without blocking the event loop: they are written aside a chunk per turn
   * while appends go on (to the old file, and are carried over), then the new file takes the old one's
   * place in one step. Rejects, leaving the journal as it was, on a write error or if the journal closes
   * meanwhile. `records` is read across turns: a live Map's iterator is fine (entries added meanwhile
   * arrive by both ways, which a journal of idempotent records tolerates).
   */
  async rewriteInBackground(records: Iterable<T>): Promise<void> {
    if (this.fd < 0) throw this.closedError();
    if (this.background) throw new Error(`the journal ${this.file} is already being rewritten`);
    const run: BackgroundRewrite = { carried: [], carriedLines: 0 };
    this.background = run;
    const tmp = `${this.file}.compacting`;
    let fd = -1;
    try {
      fd = openPrivate(tmp);
      let bytes = 0;
      let count = 0;
      const writeOut = async (chunk: Buffer) => {
        for (let done = 0; done < chunk.length; ) done += (await writeAsync(fd, chunk, done)).bytesWritten;
        bytes += chunk.length;
        if (run.stopped) throw run.stopped;
      };
      let text = '';
      for (const record of records) {
        text += `${JSON.stringify(record)}\n`;
        count++;
        if (text.length >= WRITE_CHUNK) {
          await writeOut(Buffer.from(text));
          text = '';
        }
      }
      if (text) await writeOut(Buffer.from(text));
      const takeCarried = () => {
        const carried = Buffer.concat(run.carried);
        count += run.carriedLines;
        run.carried = [];
        run.carriedLines = 0;
        return carried;
      };
      // what was appended meanwhile: in the background while there is much of it, the last few turns' worth
      // in the same step as the swap (appends that keep coming must not keep the rewrite from ending)
      while (run.carried.reduce((sum, chunk) => sum + chunk.length, 0) > WRITE_CHUNK)
        await writeOut(takeCarried());
      const last = takeCarried();
      this.writeAll(fd, last, bytes);
      bytes += last.length;
      renameSync(tmp, this.file);
      this.swap(fd, bytes, count);
      fd = -1;
    } catch (err) {
      if (fd >= 0) {
        closeSync(fd);
        try {
          unlinkSync(tmp);
        } catch {
          // gone already, or left for the next rewrite to truncate
        }
      }
      throw err;
    } finally {
      if (this.background === run) this.background = undefined;
    }
  }

  close(): void {
    if (this.fd < 0) return;
    this.stopBackground(this.closedError());
    this.flush();
    closeSync(this.fd);
    // a late write fails rather than landing in whatever file reuses the descriptor
    this.fd = -1;
  }

  /** The rewritten file's descriptor becomes the journal's. */
  private swap(fd: number, bytes: number, lines: number): void {
    const old = this.fd;
    this.fd = fd;
    this.length = bytes;
    this.lines = lines;
    this.torn = false;
    if (old >= 0) closeSync(old);
  }

  /** A stopped rewrite unwinds at its next step (until then no other may start, as they share a scratch file). */
  private stopBackground(reason: Error): void {
    if (this.background) this.background.stopped ??= reason;
  }

  private closedError(): Error {
    return new Error(`the journal ${this.file} is closed`);
  }

  /**
   * Writes all of `chunk` at the end of a file `start` bytes long, or cuts it back to `start` and throws: a
   * nearly full disk may take part of a write without an error, then fail on the rest.
   */
  private writeAll(fd: number, chunk: Buffer, start: number): void {
    if (fd < 0) throw this.closedError();
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
}

/** A descriptor to read `file` from, or undefined when there is no such file yet. */
function openExisting(file: string): number | undefined {
  try {
    return openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** An empty file beside the journal, readable by its owner only, in append mode. */
function openPrivate(path: string): number {
  const fd = openSync(path, CREATE_APPEND | O_TRUNC, PRIVATE_FILE);
  try {
    fchmodSync(fd, PRIVATE_FILE); // it may have been left by an earlier attempt with other permissions
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}
