import assert from 'node:assert/strict';
import fs, { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    for (let i = 0; i < 25_000; i++) await store.claim(`id-${i}`, i);
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
    mkdirSync(`${file}.tmp`); // the rewrite's scratch file cannot be created
    const store = new LocalDedupeStore({ horizonMs: 10, file }, 0);
    for (let i = 0; i < 12_000; i++) assert.deepEqual(await store.claimAll([`id-${i}`], i), [true]);
    rmSync(`${file}.tmp`, { recursive: true });
    for (let i = 12_000; i < 21_000; i++) await store.claimAll([`id-${i}`], i);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    assert.ok(lines < 2_000, `compacted to ${lines} lines`);
    await store.close();
  });
});
