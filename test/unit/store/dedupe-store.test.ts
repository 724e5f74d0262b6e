import assert from 'node:assert/strict';
import fs, {
  appendFileSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDedupeStore } from '../../../nodes/core/store/dedupe-store';

describe('dedupe store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dedupe-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('claims an id once within the horizon and again after it', async () => {
    const store = new LocalDedupeStore({ horizonMs: 1000 });
    assert.equal(await store.claim('evt_1', 0), true);
    assert.equal(await store.claim('evt_1', 999), false);
    assert.equal(await store.claim('evt_1', 1000), true);
  });

  it('remembers ids across a restart, and forgets expired ones', async () => {
    const file = join(dir, 'ids.jsonl');
    const first = new LocalDedupeStore({ horizonMs: 1000, file }, 0);
    await first.claim('a', 0);
    await first.claim('b', 500);
    await first.close();
    const second = new LocalDedupeStore({ horizonMs: 1000, file }, 1200);
    assert.equal(await second.claim('a', 1200), true, 'a expired at 1000');
    assert.equal(await second.claim('b', 1200), false, 'b lives until 1500');
    await second.close();
  });

  it('survives a crash mid-write (kill -9): the torn last line is skipped', async () => {
    const file = join(dir, 'ids.jsonl');
    const store = new LocalDedupeStore({ horizonMs: 60_000, file }, 0);
    await store.claim('kept', 0);
    await store.close();
    appendFileSync(file, '["torn",6');
    const reopened = new LocalDedupeStore({ horizonMs: 60_000, file }, 1);
    assert.equal(await reopened.claim('kept', 1), false);
    assert.equal(await reopened.claim('torn', 1), true);
    await reopened.close();
  });

  it('compacts the journal to the live ids', async () => {
    const file = join(dir, 'ids.jsonl');
    const store = new LocalDedupeStore({ horizonMs: 10, file }, 0);
    for (let i = 0; i < 25_000; i++) {
      await store.claim(`id-${i}`, i);
      if (i % 1000 === 0) await store.idle(); // compaction runs in the background, between requests
    }
    await store.close();
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    assert.ok(lines < 11_000, `journal holds ${lines} lines`);
    const reopened = new LocalDedupeStore({ horizonMs: 10, file }, 24_999);
    assert.equal(await reopened.claim('id-24999', 24_999), false);
    await reopened.close();
  });

  it('bounds memory by forgetting the oldest ids first', async () => {
    const store = new LocalDedupeStore({ horizonMs: 1e9, maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) await store.claim(id, 0);
    assert.equal(store.size, 3);
    assert.equal(await store.claim('d', 0), false);
    assert.equal(await store.claim('a', 0), true);
  });

  it('claims a batch with one answer per id, a repeat inside the batch included', async () => {
    const store = new LocalDedupeStore({ horizonMs: 1000 });
    await store.claim('seen', 0);
    assert.deepEqual(await store.claimAll(['a', 'seen', 'b', 'a'], 10), [true, false, true, false]);
    assert.deepEqual(await store.claimAll([], 10), []);
  });

  it('has the batch in the journal before it resolves', async () => {
    const file = join(dir, 'ids.jsonl');
    const store = new LocalDedupeStore({ horizonMs: 60_000, file }, 0);
    await store.claimAll(['x', 'y'], 0);
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n'), ['["x",60000]', '["y",60000]']);
    await store.close();
  });

  it('records none of a batch it could not write, so that a retry is not taken for a repeat', async () => {
    const store = new LocalDedupeStore({ horizonMs: 60_000, file: join(dir, 'ids.jsonl') }, 0);
    await store.claim('before', 0);
    // the disk fills up: the journal's next write fails
    const writeSync = fs.writeSync;
    fs.writeSync = () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    try {
      await assert.rejects(store.claimAll(['lost-1', 'lost-2'], 1), /ENOSPC/);
    } finally {
      fs.writeSync = writeSync;
    }
    assert.deepEqual(await store.claimAll(['lost-1', 'before'], 2), [true, false]);
    await store.close();
  });

  it('refuses claims after close rather than writing them anywhere', async () => {
    const store = new LocalDedupeStore({ horizonMs: 60_000, file: join(dir, 'ids.jsonl') }, 0);
    await store.close();
    await assert.rejects(store.claimAll(['late'], 1), /closed/);
  });

  it('keeps claiming when compaction fails, and compacts once it can', async () => {
    const file = join(dir, 'ids.jsonl');
    mkdirSync(`${file}.compacting`); // the rewrite's scratch file cannot be created
    const store = new LocalDedupeStore({ horizonMs: 10, file }, 0);
    for (let i = 0; i < 12_000; i++) assert.deepEqual(await store.claimAll([`id-${i}`], i), [true]);
    rmSync(`${file}.compacting`, { recursive: true });
    for (let i = 12_000; i < 21_000; i++) await store.claimAll([`id-${i}`], i);
    await store.idle();
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    assert.ok(lines < 2_000, `compacted to ${lines} lines`);
    await store.close();
  });

  it('opens a journal with lines that are not records, remembering the rest', async () => {
    const file = join(dir, 'ids.jsonl');
    writeFileSync(file, '["a",60000]\nnull\n{"b":1}\n["c",60000]\n');
    const store = new LocalDedupeStore({ horizonMs: 60_000, file }, 0);
    assert.deepEqual(await store.ready, { skippedLines: 2 });
    assert.deepEqual(await store.claimAll(['a', 'c', 'new'], 1), [false, false, true]);
    await store.close();
  });

  it('keeps a long id as a short digest, so every line on disk stays small', async () => {
    const file = join(dir, 'ids.jsonl');
    const long = '訂單編號'.repeat(1000);
    const store = new LocalDedupeStore({ horizonMs: 60_000, file }, 0);
    assert.deepEqual(await store.claimAll([long, `${long}!`, 'evt_1'], 0), [true, true, true]);
    assert.deepEqual(await store.claimAll([long], 1), [false]);
    await store.close();
    for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
      assert.ok(Buffer.byteLength(line) < 64, `${Buffer.byteLength(line)} bytes: ${line.slice(0, 80)}`);
    }
    const reopened = new LocalDedupeStore({ horizonMs: 60_000, file }, 2);
    assert.deepEqual(await reopened.claimAll([long, `${long}!`, 'evt_1'], 2), [false, false, false]);
    await reopened.close();
  });

  it('bounds its journal in bytes, forgetting the oldest ids first', async () => {
    const file = join(dir, 'ids.jsonl');
    const maxBytes = 16_384;
    const store = new LocalDedupeStore({ horizonMs: 1e9, file, maxBytes }, 0);
    let largest = 0;
    for (let i = 0; i < 5_000; i++) {
      await store.claimAll([`evt-${i}`], 0);
      await store.idle();
      largest = Math.max(largest, statSync(file).size);
    }
    assert.ok(largest <= maxBytes, `the journal reached ${largest} bytes`);
    assert.deepEqual(await store.claimAll(['evt-4999', 'evt-0'], 0), [false, true]);
    await store.close();
  });

  it('opens a journal larger than the longest string JavaScript can hold', async () => {
    const file = join(dir, 'ids.jsonl');
    // 540 MiB (past V8's longest string, about 512 MiB): ids, a run of zero bytes as a crash can leave on
    // some file systems (a sparse hole, so that the test writes next to nothing), then more ids
    writeFileSync(file, '["before",60000]\n');
    truncateSync(file, 540 * 1024 * 1024);
    appendFileSync(file, '\n["after",60000]\n');
    const store = new LocalDedupeStore({ horizonMs: 60_000, file }, 0);
    assert.deepEqual(await store.ready, { skippedLines: 1 });
    assert.deepEqual(await store.claimAll(['before', 'after', 'new'], 1), [false, false, true]);
    await store.close();
  });

  it('compacts a million ids without stalling the event loop, and keeps the claims made meanwhile', async function () {
    this.timeout(60_000);
    const file = join(dir, 'ids.jsonl');
    const now = 1_000;
    // a million live ids, each once superseded: the next claim compacts
    const fd = openSync(file, 'w');
    writeSync(fd, '["gone",1]\n'.repeat(20_000));
    for (let from = 0; from < 1_000_000; from += 50_000) {
      let text = '';
      for (let i = from; i < from + 50_000; i++) text += `["evt-${i}",1]\n["evt-${i}",${now + 1e9}]\n`;
      writeSync(fd, text);
    }
    closeSync(fd);
    const store = new LocalDedupeStore({ horizonMs: 1e9, file, maxEntries: 2_000_000 }, now);
    await store.ready;
    assert.equal(store.size, 1_000_000);

    let longestGap = 0;
    let stop = false;
    let last = performance.now();
    const gaps = new Promise<void>((resolve) => {
      const tick = () => {
        const at = performance.now();
        longestGap = Math.max(longestGap, at - last);
        last = at;
        if (stop) resolve();
        else setImmediate(tick);
      };
      setImmediate(tick);
    });
    await store.claimAll(['first'], now);
    const compacted = store.idle().then(() => {
      stop = true;
    });
    let during = 0;
    while (!stop) {
      await store.claimAll([`during-${during++}`], now);
      await new Promise(setImmediate);
    }
    await compacted;
    await gaps;
    assert.ok(longestGap < 100, `the event loop stalled for ${longestGap.toFixed(0)} ms`);
    await store.close();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    // the live ids once; those claimed while it ran may be there twice (read from the map and carried over)
    assert.ok(lines.length <= 1_000_001 + 2 * during, `${lines.length} lines after compaction`);
    assert.equal(lines.at(-1), `["during-${during - 1}",${now + 1e9}]`);
    const reopened = new LocalDedupeStore({ horizonMs: 1e9, file, maxEntries: 2_000_000 }, now);
    assert.deepEqual(await reopened.claimAll(['evt-0', 'first', 'during-0', 'new'], now), [
      false,
      false,
      false,
      true,
    ]);
    await reopened.close();
  });
});
