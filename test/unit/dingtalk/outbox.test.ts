import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  digestEntryFor,
  LocalOutbox,
  type OutboxAlert,
  type OutboxBatch,
} from '../../../nodes/core/dingtalk';

const alert = (i: number): OutboxAlert => {
  const message = { msgtype: 'text' as const, text: { content: `alert ${i} 库存` } };
  return {
    id: `a${i}`,
    seq: i,
    acceptedAt: 1000 + i,
    senderId: 'n1',
    message,
    entry: digestEntryFor(`a${i}`, message),
  };
};
const batch = (id: string, ids: number[]): OutboxBatch => ({
  id,
  msgUuid: `uuid-${id}`,
  alertIds: ids.map((i) => `a${i}`),
  message: { msgtype: 'text', text: { content: 'x' }, msgUuid: `uuid-${id}` },
  createdAt: 5,
});

describe('dingtalk outbox (local journal)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dt-outbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('after a crash, owes the in-flight batch (same msgUuid) and the waiting alerts in order', async () => {
    const file = join(dir, 'outbox.jsonl');
    const box = new LocalOutbox({ file });
    assert.deepEqual(await box.open(), { batches: [], alerts: [] });
    for (let i = 1; i <= 6; i++) await box.enqueue(alert(i));
    await box.startBatch(batch('b1', [1, 2]));
    await box.finishBatch('b1', { delivered: true });
    await box.startBatch(batch('b2', [3]));
    await box.finishBatch('b2', { delivered: false, reason: 'sign_mismatch' });
    await box.startBatch(batch('b3', [4, 5]));
    // crash: the object is dropped without close()
    const owed = await new LocalOutbox({ file }).open();
    assert.deepEqual(
      owed.batches.map((b) => [b.batch.id, b.batch.msgUuid, b.alerts.map((a) => a.id)]),
      [['b3', 'uuid-b3', ['a4', 'a5']]],
    );
    assert.deepEqual(
      owed.alerts.map((a) => a.id),
      ['a6'],
    );
    assert.deepEqual(owed.alerts[0], alert(6));
  });

  it('skips and counts lines that are JSON but not records, and keeps the rest', async () => {
    const file = join(dir, 'outbox.jsonl');
    const good = [
      { t: 'a', alert: alert(1) },
      { t: 'a', alert: alert(2) },
      { t: 'b', batch: batch('b1', [2]) },
    ];
    const bad = [
      'null',
      '42',
      '"text"',
      '{"t":"a"}',
      '{"t":"b","batch":{"id":"x"}}',
      '{"t":"d"}',
      '{"t":"z"}',
    ];
    writeFileSync(
      file,
      `${[bad[0], JSON.stringify(good[0]), ...bad.slice(1), ...good.slice(1).map((r) => JSON.stringify(r))].join('\n')}\n`,
    );
    const box = new LocalOutbox({ file });
    const owed = await box.open();
    assert.deepEqual(
      owed.batches.map((b) => [b.batch.id, b.alerts.map((a) => a.id)]),
      [['b1', ['a2']]],
    );
    assert.deepEqual(
      owed.alerts.map((a) => a.id),
      ['a1'],
    );
    assert.equal(box.skippedLines, bad.length);
    await box.close();
  });

  it('skips a line torn mid-write', async () => {
    const file = join(dir, 'outbox.jsonl');
    const box = new LocalOutbox({ file });
    await box.open();
    await box.enqueue(alert(1));
    await box.enqueue(alert(2));
    appendFileSync(file, '{"t":"a","alert":{"id":"a3","seq":3,"acc');
    const owed = await new LocalOutbox({ file }).open();
    assert.deepEqual(
      owed.alerts.map((a) => a.id),
      ['a1', 'a2'],
    );
  });

  it('a truncated file loses only its torn tail', async () => {
    const file = join(dir, 'outbox.jsonl');
    const box = new LocalOutbox({ file });
    await box.open();
    for (let i = 1; i <= 3; i++) await box.enqueue(alert(i));
    const text = readFileSync(file, 'utf8');
    rmSync(file);
    appendFileSync(file, text.slice(0, text.length - 20));
    const owed = await new LocalOutbox({ file }).open();
    assert.deepEqual(
      owed.alerts.map((a) => a.id),
      ['a1', 'a2'],
    );
  });

  it('compacts settled records away and keeps what is owed', async () => {
    const file = join(dir, 'outbox.jsonl');
    const box = new LocalOutbox({ file, compactSlack: 50 });
    await box.open();
    await box.enqueue(alert(0));
    for (let i = 1; i <= 300; i++) {
      await box.enqueue(alert(i));
      await box.startBatch(batch(`b${i}`, [i]));
      await box.finishBatch(`b${i}`, { delivered: true });
    }
    assert.ok(box.journalSize < 60, `${box.journalSize}`);
    assert.equal(box.owed, 1);
    await box.close();
    const owed = await new LocalOutbox({ file }).open();
    assert.deepEqual(
      owed.alerts.map((a) => a.id),
      ['a0'],
    );
  });

  it('survives a real kill -9 of the writing process', function () {
    this.timeout(20_000);
    const file = join(dir, 'outbox.jsonl');
    const script = `
      const { LocalOutbox, digestEntryFor } = require(${JSON.stringify(join(__dirname, '../../../nodes/core/dingtalk'))});
      (async () => {
        const box = new LocalOutbox({ file: ${JSON.stringify(file)} });
        await box.open();
        for (let i = 1; i <= 50; i++) {
          const message = { msgtype: 'text', text: { content: 'a' + i } };
          await box.enqueue({ id: 'a' + i, seq: i, acceptedAt: i, message, entry: digestEntryFor('a' + i, message) });
        }
        await box.startBatch({ id: 'b1', msgUuid: 'u1', alertIds: ['a1', 'a2'], message: { msgtype: 'text', text: { content: 'x' }, msgUuid: 'u1' }, createdAt: 1 });
        process.kill(process.pid, 'SIGKILL');
      })();`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    return new LocalOutbox({ file }).open().then((owed) => {
      assert.deepEqual(
        owed.batches.map((b) => b.batch.msgUuid),
        ['u1'],
      );
      assert.equal(owed.alerts.length, 48);
      assert.equal(owed.alerts[0]?.id, 'a3');
    });
  });

  it('opens on a disk that takes no new file (compaction cannot be written) and owes what the file holds', async () => {
    const file = join(dir, 'outbox.jsonl');
    const box = new LocalOutbox({ file });
    await box.open();
    for (let i = 1; i <= 2; i++) await box.enqueue(alert(i));
    await box.close();
    mkdirSync(`${file}.tmp`); // the compacted copy cannot be created, as on a full disk
    const owed = await new LocalOutbox({ file }).open();
    assert.deepEqual(
      owed.alerts.map((a) => a.id),
      ['a1', 'a2'],
    );
  });

  it('can be opened again after an open that failed, once the cause is gone', async () => {
    const parent = join(dir, 'robot');
    writeFileSync(parent, ''); // a file where the folder should be: the journal cannot be created
    const box = new LocalOutbox({ file: join(parent, 'outbox.jsonl') });
    await assert.rejects(box.open());
    rmSync(parent);
    assert.deepEqual(await box.open(), { batches: [], alerts: [] });
    await box.enqueue(alert(1));
    await box.close();
  });

  it('without a file it is memory only and says so', async () => {
    const box = new LocalOutbox();
    assert.equal(box.durable, false);
    assert.deepEqual(await box.open(), { batches: [], alerts: [] });
  });
});
