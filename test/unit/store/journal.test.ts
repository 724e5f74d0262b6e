import assert from 'node:assert/strict';
import fs, {
  appendFileSync,
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../nodes/core/store/journal';

type Rec = [string, number];

describe('journal', () => {
  let dir: string;
  let file: string;
  const realWriteSync = fs.writeSync;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'journal-'));
    file = join(dir, 'records.jsonl');
  });
  afterEach(() => {
    fs.writeSync = realWriteSync;
    rmSync(dir, { recursive: true, force: true });
  });

  /** The disk fills up: the next write takes `bytes` bytes, then every write fails with ENOSPC. */
  function fillDiskAfter(bytes: number) {
    let left = bytes;
    fs.writeSync = ((fd: number, buffer: Buffer, offset?: number | null) => {
      const from = offset ?? 0;
      if (left === 0)
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const taken = Math.min(left, buffer.length - from);
      left -= taken;
      return realWriteSync(fd, buffer, from, taken);
    }) as typeof fs.writeSync;
  }

  it('writes a batch whole, or none of it when the disk fills up mid-write', () => {
    const { journal } = Journal.open<Rec>(file);
    journal.append(['kept', 1]);
    journal.flush();
    journal.append(['a', 2]);
    journal.append(['b', 3]);
    fillDiskAfter(13);
    assert.throws(() => journal.flush(), /ENOSPC/);
    fs.writeSync = realWriteSync;
    assert.equal(readFileSync(file, 'utf8'), '["kept",1]\n', 'the part written was cut back');
    journal.append(['c', 4]);
    journal.flush();
    journal.close();
    assert.deepEqual(Journal.open<Rec>(file).records, [
      ['kept', 1],
      ['c', 4],
    ]);
  });

  it('ends a line torn by a crash before the next record, so that record survives the next restart', () => {
    appendFileSync(file, '["whole",1]\n["torn",6');
    const first = Journal.open<Rec>(file);
    assert.deepEqual(first.records, [['whole', 1]]);
    first.journal.append(['after', 2]);
    first.journal.close();
    const second = Journal.open<Rec>(file);
    assert.deepEqual(second.records, [
      ['whole', 1],
      ['after', 2],
    ]);
    second.journal.close();
  });

  it('rewrites atomically, keeps appending to the new file, and refuses writes after close', () => {
    const { journal } = Journal.open<Rec>(file);
    journal.append(['old', 1]);
    journal.flush();
    journal.rewrite([['live', 2]]);
    journal.append(['next', 3]);
    journal.flush();
    assert.equal(readFileSync(file, 'utf8'), '["live",2]\n["next",3]\n');
    journal.close();
    journal.append(['late', 4]);
    assert.throws(() => journal.flush(), /closed/);
    assert.throws(() => journal.rewrite([]), /closed/);
    assert.equal(readFileSync(file, 'utf8'), '["live",2]\n["next",3]\n');
  });

  it('skips and counts lines that are JSON but not records, keeping the rest', () => {
    writeFileSync(file, '["a",1]\nnull\n42\n{"x"\n["b",2]\n');
    const { journal, records, skipped } = Journal.open<Rec>(file);
    assert.deepEqual(records, [
      ['a', 1],
      ['b', 2],
    ]);
    assert.equal(skipped, 3);
    journal.close();
  });

  it('creates its file readable by its owner only, and makes an older world-readable one private', () => {
    const mode = (path: string) => statSync(path).mode & 0o777;
    Journal.open<Rec>(file).journal.close();
    assert.equal(mode(file), 0o600);
    const older = join(dir, 'older.jsonl');
    writeFileSync(older, '["a",1]\n');
    chmodSync(older, 0o644);
    const { journal } = Journal.open<Rec>(older);
    assert.equal(mode(older), 0o600);
    journal.rewrite([['b', 2]]);
    assert.equal(mode(older), 0o600, 'the rewritten file too');
    journal.close();
  });

  it('rewrites in the background, keeping the records appended meanwhile', async () => {
    const { journal } = Journal.open<Rec>(file);
    for (let i = 0; i < 50_000; i++) journal.append([`old-${i}`, i]);
    journal.flush();
    const live = function* () {
      for (let i = 0; i < 100_000; i++) yield [`live-${i}`, i] as Rec;
    };
    const rewritten = journal.rewriteInBackground(live());
    // claims go on while the new file is written
    journal.append(['during', 1]);
    journal.flush();
    await new Promise(setImmediate);
    journal.append(['during', 2]);
    journal.flush();
    await rewritten;
    journal.append(['after', 3]);
    journal.close();
    const { records, skipped } = Journal.open<Rec>(file);
    assert.equal(skipped, 0);
    assert.equal(records.length, 100_003);
    assert.deepEqual(records.slice(-3), [
      ['during', 1],
      ['during', 2],
      ['after', 3],
    ]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('leaves the journal as it was when it closes during a background rewrite', async () => {
    const { journal } = Journal.open<Rec>(file);
    journal.append(['kept', 1]);
    journal.flush();
    const rewritten = journal.rewriteInBackground([['live', 2]]);
    journal.close();
    await assert.rejects(rewritten, /closed/);
    assert.deepEqual(Journal.open<Rec>(file).records, [['kept', 1]]);
  });
});
