import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  type DigestEntry,
  type DingTalkMessage,
  digestEntryFor,
  MAX_BODY_BYTES,
  packDigest,
  packDigests,
  validateMessage,
} from '../../../nodes/core/dingtalk';

/** The body as sent, msgUuid included. */
const sentBytes = (m: DingTalkMessage) =>
  Buffer.byteLength(JSON.stringify({ ...m, msgUuid: '8a7b6c5d-1e2f-4a3b-9c8d-7e6f5a4b3c2d' }), 'utf8');

const cjkEntry = (i: number, chars: number): DigestEntry => ({
  id: `a${i}`,
  line: `库存不足：珍珠奶茶（大）门店 HK-MK-${String(i).padStart(3, '0')} ${'货'.repeat(chars)}`,
});

describe('dingtalk digests', () => {
  it('packs CJK alerts up to, never over, the 20,000-byte limit', () => {
    const entries = Array.from({ length: 400 }, (_, i) => cjkEntry(i, 40));
    const digests = packDigests(entries);
    assert.ok(digests.length > 1);
    for (const d of digests) {
      assert.ok(sentBytes(d.message) <= MAX_BODY_BYTES, `${sentBytes(d.message)}`);
      assert.ok(d.bytes >= sentBytes(d.message) && d.bytes <= sentBytes(d.message) + 1);
      assert.ok(validateMessage(d.message).ok);
    }
    // every full digest is close to the limit: nothing wasted beyond one entry
    const entryBytes = Buffer.byteLength(JSON.stringify(`\n\n- ${(entries[0] as DigestEntry).line}`)) - 2;
    for (const d of digests.slice(0, -1)) assert.ok(d.bytes > MAX_BODY_BYTES - entryBytes - 20, `${d.bytes}`);
    assert.deepEqual(
      digests.flatMap((d) => d.ids),
      entries.map((e) => e.id),
    );
  });

  it('heads a digest with the count and the robot’s keyword', () => {
    const d = packDigest([cjkEntry(1, 1), cjkEntry(2, 1)], {
      keywords: ['告警'],
      heading: (n) => `${n} 条提醒`,
    });
    assert.equal(d.message.markdown.title, '【告警】 2 条提醒');
    assert.ok(d.message.markdown.text.startsWith('#### 【告警】 2 条提醒\n\n- 库存不足'));
    const kept = packDigest([cjkEntry(1, 1)], { keywords: ['提醒'], heading: (n) => `${n} 条提醒` });
    assert.equal(kept.message.markdown.title, '1 条提醒');
  });

  it('carries the union of mentions, with their @ text, at most 50', () => {
    const entries: DigestEntry[] = Array.from({ length: 30 }, (_, i) => ({
      id: `m${i}`,
      line: `alert ${i}`,
      at: {
        atMobiles: [`1380000${String(i).padStart(4, '0')}`, `1390000${String(i).padStart(4, '0')}`],
        isAtAll: i === 3,
      },
    }));
    const d = packDigest(entries);
    assert.equal(d.ids.length, 30);
    assert.equal(d.message.at?.atMobiles?.length, 50);
    assert.equal(d.message.at?.isAtAll, true);
    assert.ok(d.message.markdown.text.includes('@13800000000 @13900000000'));
  });

  it('cuts a line too long to fit, and caps lines on request', () => {
    const huge: DigestEntry = { id: 'big', line: '長'.repeat(10_000) };
    const d = packDigest([huge, huge, cjkEntry(1, 1)]);
    assert.deepEqual(d.ids, ['big']);
    assert.ok(d.bytes <= MAX_BODY_BYTES);
    assert.ok(d.message.markdown.text.endsWith('…'));
    const capped = packDigest([huge], { maxEntryBytes: 300 });
    assert.ok(capped.bytes < 600);
  });

  it('never cuts inside an escape or a link', () => {
    const entry: DigestEntry = {
      id: 'x',
      line: `${'a'.repeat(50)}\\*[Open](https://example.com/${'p'.repeat(200)})`,
    };
    const d = packDigest([entry], { maxEntryBytes: 100 });
    const line = d.message.markdown.text.split('\n\n- ')[1] ?? '';
    assert.ok(!line.includes('['), line);
    assert.ok(!/[^\\]\\…$/.test(line), line);
  });

  it('turns each message type into one safe line', () => {
    const lines = (
      [
        {
          msgtype: 'text',
          text: { content: 'Stock low @13800000000 [x](http://e)' },
          at: { atMobiles: ['13800000000'] },
        },
        { msgtype: 'markdown', markdown: { title: 'T', text: '#### Low stock\n\n- **SKU** MILK\n> note' } },
        { msgtype: 'link', link: { title: 'Order (1)', text: 'paid', messageUrl: 'https://pos/o/(1)' } },
        {
          msgtype: 'actionCard',
          actionCard: {
            title: 'Refund',
            text: '### R\n\nok',
            btns: [{ title: 'Open', actionURL: 'https://pos/r' }],
          },
        },
        {
          msgtype: 'feedCard',
          feedCard: { links: [{ title: 'A', messageURL: 'https://a', picURL: 'https://p' }] },
        },
      ] as DingTalkMessage[]
    ).map((m, i) => digestEntryFor(`e${i}`, m));
    assert.deepEqual(
      lines.map((l) => l.line),
      [
        'Stock low ＠13800000000 ［x］(http:\u200b//e)',
        'Low stock · **SKU** MILK · note',
        '[Order (1)](https://pos/o/%281%29) paid',
        '**Refund** R · ok [Open](https://pos/r)',
        '[A](https://a)',
      ],
    );
    assert.deepEqual(lines[0]?.at, { atMobiles: ['13800000000'] });
  });

  it('property: never over the limit, never loses, duplicates or reorders an alert', () => {
    const entry = fc.record({
      line: fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.string({ unit: fc.constantFrom('货', '😀', '"', '\\', 'a', '\n'), maxLength: 8000 }),
      ),
      mobiles: fc.array(fc.stringMatching(/^1[3-9]\d{9}$/), { maxLength: 5 }),
    });
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 160, max: 20_000 }),
        (raw, cap) => {
          const entries: DigestEntry[] = raw.map((r, i) => ({
            id: `id${i}`,
            line: r.line,
            ...(r.mobiles.length > 0 ? { at: { atMobiles: r.mobiles } } : {}),
          }));
          const digests = packDigests(entries, { maxEntryBytes: cap, keywords: ['ALERT'] });
          for (const d of digests) {
            assert.ok(sentBytes(d.message) <= MAX_BODY_BYTES);
            assert.ok(d.ids.length >= 1);
          }
          assert.deepEqual(
            digests.flatMap((d) => d.ids),
            entries.map((e) => e.id),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
