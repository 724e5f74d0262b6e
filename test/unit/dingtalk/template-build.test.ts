import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  applyKeywordGuard,
  buildMessage,
  checkSendConfig,
  checkTemplate,
  type DingTalkMessage,
  escapeMarkdownValue,
  MAX_BODY_BYTES,
  renderTemplate,
  type SendConfig,
} from '../../../nodes/core/dingtalk';

const event = {
  topic: 'transaction.completed',
  payload: {
    id: 'evt_1',
    storeId: 'HK-MK-001',
    data: {
      orderId: '1001',
      total: 128.5,
      customer: { name: 'Chan Tai Man', tier: 'VIP' },
      items: [{ sku: 'MILK_TEA-L' }],
    },
  },
};

/** True when every * _ ~ ` | \ in s is escaped (preceded by an odd run of backslashes). */
function noLiveMarkers(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if ('*_~`|'.includes(c)) {
      let n = 0;
      for (let j = i - 1; j >= 0 && s[j] === '\\'; j--) n++;
      if (n % 2 === 0) return false;
    }
  }
  return true;
}

describe('dingtalk templates and escaping', () => {
  it('renders placeholders over the msg', () => {
    assert.equal(
      renderTemplate(
        'Order {{payload.data.orderId}} at {{payload.storeId}}: {{payload.data.total}}',
        event,
        'markdown',
      ),
      'Order 1001 at HK-MK-001: 128.5',
    );
  });
  it('renders objects as JSON and missing values as nothing', () => {
    assert.equal(
      renderTemplate('{{payload.data.customer}}|{{nothing.here}}|', event, 'none'),
      '{"name":"Chan Tai Man","tier":"VIP"}||',
    );
  });
  it('never escapes the author’s own text', () => {
    const t = '#### **{{payload.data.customer.tier}}** [Open](https://pos.example/o/1) @13800000000';
    assert.equal(
      renderTemplate(t, event, 'markdown'),
      '#### **VIP** [Open](https://pos.example/o/1) @13800000000',
    );
  });
  it('escapes triple mustaches too: a template cannot opt out', () => {
    const msg = { v: '[x](https://evil)' };
    assert.equal(
      renderTemplate('{{{v}}} {{& v}}', msg, 'markdown'),
      '［x］(https:\u200b//evil) ［x］(https:\u200b//evil)',
    );
  });
  it('ignores partials', () => {
    assert.equal(renderTemplate('a{{> other}}b', {}, 'markdown'), 'ab');
  });

  const cases: [string, string, string][] = [
    ['a mention', '@13800000000 call me', '＠13800000000 call me'],
    ['a link', '[click](http://evil.example)', '［click］(http:\u200b//evil.example)'],
    ['an image', '![x](http://evil/p.png)', '!［x］(http:\u200b//evil/p.png)'],
    ['HTML', '<font color="red">x</font>', '＜font color="red"＞x＜/font＞'],
    ['bold and code', '**big** `code` ~~s~~ _i_', '\\*\\*big\\*\\* \\`code\\` \\~\\~s\\~\\~ \\_i\\_'],
    ['a heading after a line break', 'x\n\n# Fake', 'x # Fake'],
    ['a heading at the start', '# Fake', '\\# Fake'],
    ['a list at the start', '- item', '\\- item'],
    ['a numbered list at the start', '1. item', '1\\. item'],
    ['a quote', '> quoted', '＞ quoted'],
    ['a bare link', 'see www.evil.com', 'see www\u200b.evil.com'],
    ['a table cell', 'a | b', 'a \\| b'],
    ['CJK text', '珍珠奶茶（大）', '珍珠奶茶（大）'],
    ['a backslash', 'C:\\temp', 'C:\\\\temp'],
  ];
  for (const [name, value, expected] of cases) {
    it(`markdown escaping neutralises ${name}`, () => assert.equal(escapeMarkdownValue(value), expected));
  }

  it('property: inserted data never yields a mention, link, image, tag or live marker', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const out = renderTemplate('Order {{v}} done', { v: value }, 'markdown');
        assert.ok(out.startsWith('Order ') && out.endsWith(' done'));
        const inserted = out.slice(6, -5);
        assert.ok(!/[@[\]<>\r\n\u2028\u2029]/.test(inserted), inserted);
        assert.ok(!inserted.includes('://'));
        assert.ok(noLiveMarkers(inserted), inserted);
      }),
      { numRuns: 500 },
    );
  });

  it('property: in plain text, inserted data never mentions anyone', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        assert.ok(!renderTemplate('{{v}}', { v: value }, 'text').includes('@'));
      }),
    );
  });

  describe('values inside an author’s markdown link', () => {
    const md = (template: string, view: unknown) => renderTemplate(template, view, 'markdown');

    it('keeps a whole link intact: no backslash before _, no break in ://', () => {
      const url = 'https://pos.example/orders/MILK_TEA-L?store=HK_MK&x=1#top';
      assert.equal(md('[open]({{url}})', { url }), `[open](${url})`);
      assert.equal(md('![pic]({{url}})', { url }), `![pic](${url})`);
    });
    it('a whole link cannot end the author’s link early', () => {
      const url = 'https://pos.example/a) [pay here](https://evil.example';
      assert.equal(
        md('[open]({{url}}) done', { url }),
        '[open](https://pos.example/a%29%20%5Bpay%20here%5D%28https://evil.example) done',
      );
    });
    it('a part of a link is percent-encoded as one component, ) and _ included', () => {
      assert.equal(
        md('[open](https://pos.example/o/{{id}}?q={{q}})', { id: 'MILK_TEA (L)', q: 'a&b=c' }),
        '[open](https://pos.example/o/MILK_TEA%20%28L%29?q=a%26b%3Dc)',
      );
    });
    it('a whole value that is not an http(s) or dingtalk link stays a harmless relative one', () => {
      assert.equal(
        md('[open]({{url}})', { url: 'javascript:alert(1)' }),
        '[open](javascript%3Aalert%281%29)',
      );
    });
    it('link text is escaped as markdown: it cannot close the link text', () => {
      assert.equal(
        md('[{{name}}]({{url}})', { name: 'x](https://evil) _y_', url: 'https://pos.example/o_1' }),
        '[x］(https:\u200b//evil) \\_y\\_](https://pos.example/o_1)',
      );
    });
    it('a value right after the author’s ] cannot supply the link target', () => {
      assert.equal(md('[VIP]{{v}}', { v: '(https://evil.example)' }), '[VIP]（https:\u200b//evil.example)');
    });
    it('plain text after a link is escaped as before', () => {
      assert.equal(
        md('[open]({{url}}) by {{who}}', { url: 'https://a.example/x_y', who: '_me_' }),
        '[open](https://a.example/x_y) by \\_me\\_',
      );
    });
    it('follows the context through sections, item by item', () => {
      const view = {
        items: [
          { name: 'Milk_tea', url: 'https://pos.example/p/MILK_TEA' },
          { name: 'Tea)', url: 'https://pos.example/p/TEA)' },
        ],
      };
      assert.equal(
        md('{{#items}}- [{{name}}]({{url}})\n{{/items}}', view),
        '- [Milk\\_tea](https://pos.example/p/MILK_TEA)\n- [Tea)](https://pos.example/p/TEA%29)\n',
      );
    });
    it('property: whatever the value, the author’s link stays one link with its own end', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
          const out = md('[open]({{a}}) and [x](https://pos.example/{{b}}) done', { a, b });
          assert.match(
            out,
            /^\[open\]\([^\s()<>[\]"\\`]*\) and \[x\]\(https:\/\/pos\.example\/[^\s()<>[\]"\\`@]*\) done$/u,
          );
        }),
        { numRuns: 500 },
      );
    });
  });

  it('reports a template syntax error with its field', () => {
    assert.equal(checkTemplate('{{#open}} never closed', 'markdown.text')?.code, 'template_error');
    assert.equal(checkTemplate('{{#open}} never closed', 'markdown.text')?.path, 'markdown.text');
    assert.equal(checkTemplate('fine {{x}}'), undefined);
  });
});

describe('dingtalk message builder', () => {
  const build = (config: Partial<SendConfig>, msg: unknown = event) =>
    buildMessage({ source: 'template', ...config } as SendConfig, msg);

  it('builds a text message with mentions from form and msg, adding the @ text', () => {
    const r = build(
      {
        template: { type: 'text', text: 'Order {{payload.data.orderId}} paid' },
        mentions: { atMobiles: ['13800000000'] },
      },
      { ...event, at: { mobiles: '13900000000, 13800000000', userIds: ['manager01'] } },
    );
    assert.ok(r.ok);
    assert.deepEqual(r.message, {
      msgtype: 'text',
      text: { content: 'Order 1001 paid @13800000000 @13900000000 @manager01' },
      at: { atMobiles: ['13800000000', '13900000000'], atUserIds: ['manager01'] },
    });
  });

  it('does not repeat an @ the author already wrote', () => {
    const r = build({
      template: { type: 'text', text: 'Hey @13800000000' },
      mentions: { atMobiles: ['13800000000'] },
    });
    assert.ok(r.ok);
    assert.equal(r.message.msgtype === 'text' && r.message.text.content, 'Hey @13800000000');
  });

  it('mentions everyone without adding text', () => {
    const r = build({ template: { type: 'markdown', title: 't', text: 'x' }, mentions: { isAtAll: true } });
    assert.ok(r.ok);
    assert.deepEqual(r.message.at, { isAtAll: true });
  });

  it('caps mentions at 50 with a warning', () => {
    const many = Array.from({ length: 60 }, (_, i) => `1380000${String(i).padStart(4, '0')}`);
    const r = build({ template: { type: 'text', text: 'x' }, mentions: { atMobiles: many } });
    assert.ok(r.ok);
    assert.equal(r.message.at?.atMobiles?.length, 50);
    assert.equal(r.warnings[0]?.code, 'too_many_mentions');
  });

  it('inserted data in a markdown template cannot forge a mention', () => {
    const r = build(
      { template: { type: 'markdown', title: '{{payload.x}}', text: 'Note: {{payload.x}}' } },
      { payload: { x: '@all @13800000000 [pay here](http://evil)' } },
    );
    assert.ok(r.ok);
    assert.equal(r.message.at, undefined);
    assert.ok(r.message.msgtype === 'markdown' && !r.message.markdown.text.includes('@'));
    assert.ok(r.message.msgtype === 'markdown' && !r.message.markdown.text.includes('](http'));
  });

  it('percent-encodes values inside a link, takes a whole link from one placeholder', () => {
    const r = build(
      {
        template: {
          type: 'link',
          title: 'Order {{payload.data.orderId}}',
          text: 'Total {{payload.data.total}}',
          messageUrl: 'https://pos.example/orders/{{payload.data.customer.name}}?x=1',
          picUrl: '{{payload.pic}}',
        },
      },
      { payload: { ...event.payload, pic: 'https://cdn.example/a.png' } },
    );
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.message, {
      msgtype: 'link',
      link: {
        title: 'Order 1001',
        text: 'Total 128.5',
        messageUrl: 'https://pos.example/orders/Chan%20Tai%20Man?x=1',
        picUrl: 'https://cdn.example/a.png',
      },
    });
  });

  it('refuses a whole-link placeholder that is not a web link', () => {
    const r = build(
      { template: { type: 'link', title: 't', text: 'x', messageUrl: '{{payload.u}}' } },
      { payload: { u: 'javascript:alert(1)' } },
    );
    assert.equal(!r.ok && r.problem.path, 'link.messageUrl');
  });

  it('builds an actionCard: the single button wins over several', () => {
    const r = build({
      template: {
        type: 'actionCard',
        title: 'Refund {{payload.data.orderId}}',
        text: '### Refund',
        singleTitle: 'Open',
        singleURL: 'https://pos.example/r/{{payload.data.orderId}}',
        btns: [{ title: 'A', actionURL: 'https://a' }],
      },
    });
    assert.ok(r.ok);
    assert.deepEqual(r.message, {
      msgtype: 'actionCard',
      actionCard: {
        title: 'Refund 1001',
        text: '### Refund',
        singleTitle: 'Open',
        singleURL: 'https://pos.example/r/1001',
      },
    });
  });

  it('builds an actionCard with several buttons and a feedCard', () => {
    const card = build({
      template: {
        type: 'actionCard',
        title: 't',
        text: 'x',
        btnOrientation: '1',
        btns: [
          { title: 'Accept', actionURL: 'https://a/{{payload.id}}' },
          { title: 'Reject', actionURL: 'https://r/{{payload.id}}' },
        ],
      },
    });
    assert.ok(card.ok);
    assert.equal(
      card.message.msgtype === 'actionCard' && card.message.actionCard.btns?.[1]?.actionURL,
      'https://r/evt_1',
    );
    const feed = build({
      template: {
        type: 'feedCard',
        links: [
          {
            title: 'Store {{payload.storeId}}',
            messageURL: 'https://s/{{payload.storeId}}',
            picURL: 'https://p/1.png',
          },
        ],
      },
    });
    assert.ok(feed.ok);
    assert.deepEqual(feed.message, {
      msgtype: 'feedCard',
      feedCard: {
        links: [{ title: 'Store HK-MK-001', messageURL: 'https://s/HK-MK-001', picURL: 'https://p/1.png' }],
      },
    });
  });

  it('takes a whole message from msg.payload, validated, naming the bad field', () => {
    const good = buildMessage(
      { source: 'payload' },
      { payload: { msgtype: 'text', text: { content: 'hi' } } },
    );
    assert.ok(good.ok);
    const bad = buildMessage(
      { source: 'payload' },
      { payload: { msgtype: 'link', link: { title: 't', text: 'x', messageURL: 'https://a' } } },
    );
    assert.equal(!bad.ok && bad.problem.path, 'link.messageURL');
  });

  it('adds the @ text for mentions carried in a payload message', () => {
    const r = buildMessage(
      { source: 'payload' },
      { payload: { msgtype: 'markdown', markdown: { title: 't', text: 'x' }, at: { atUserIds: ['u1'] } } },
    );
    assert.ok(r.ok);
    assert.equal(r.message.msgtype === 'markdown' && r.message.markdown.text, 'x\n\n@u1');
  });

  describe('keyword guard', () => {
    const kw = ['ALERT', '告警'];
    const text = (content: string): DingTalkMessage => ({ msgtype: 'text', text: { content } });
    it('leaves a message that holds a keyword', () => {
      const r = applyKeywordGuard(text('库存告警: MILK'), kw, 'prefix');
      assert.deepEqual(r, { ok: true, message: text('库存告警: MILK'), prefixed: false });
    });
    it('prefixes the first keyword', () => {
      const r = applyKeywordGuard(text('Low stock'), kw, 'prefix');
      assert.deepEqual(r, { ok: true, message: text('【ALERT】 Low stock'), prefixed: true });
    });
    it('prefixes inside a leading markdown heading', () => {
      const r = build({
        template: { type: 'markdown', title: 't', text: '#### Low stock\n\nx' },
        keywords: kw,
      });
      assert.ok(r.ok && r.keywordPrefixed);
      assert.equal(
        r.message.msgtype === 'markdown' && r.message.markdown.text,
        '#### 【ALERT】 Low stock\n\nx',
      );
    });
    it('refuses when so set', () => {
      const r = build({ template: { type: 'text', text: 'Low stock' }, keywords: kw, keywordMode: 'refuse' });
      assert.equal(!r.ok && r.problem.code, 'keyword_refused');
    });
    it('does not count a keyword in the title only', () => {
      const r = build({
        template: { type: 'markdown', title: 'ALERT', text: 'x' },
        keywords: kw,
        keywordMode: 'refuse',
      });
      assert.equal(!r.ok && r.problem.code, 'keyword_refused');
    });
    for (const type of ['link', 'actionCard', 'feedCard'] as const) {
      it(`prefixes a ${type}`, () => {
        const template =
          type === 'feedCard'
            ? { type, links: [{ title: 'x', messageURL: 'https://a', picURL: 'https://p' }] }
            : type === 'link'
              ? { type, title: 't', text: 'x', messageUrl: 'https://a' }
              : { type, title: 't', text: 'x', singleTitle: 'go', singleURL: 'https://a' };
        const r = build({ template, keywords: kw });
        assert.ok(r.ok);
        assert.ok(JSON.stringify(r.message).includes('【ALERT】 x'));
      });
    }
  });

  describe('body limit', () => {
    it('accepts CJK text just under 20,000 bytes and refuses it just over', () => {
      const overhead = Buffer.byteLength(JSON.stringify({ msgtype: 'text', text: { content: '' } })) + 50;
      const fits = '货'.repeat(Math.floor((MAX_BODY_BYTES - overhead) / 3));
      const ok = build({ template: { type: 'text', text: '{{v}}' } }, { v: fits });
      assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.problem));
      assert.ok(ok.bytes + 50 <= MAX_BODY_BYTES && ok.bytes + 50 > MAX_BODY_BYTES - 3);
      const over = build({ template: { type: 'text', text: '{{v}}' } }, { v: `${fits}货` });
      assert.equal(!over.ok && over.problem.code, 'too_large');
    });
  });

  describe('config check', () => {
    it('finds missing fields, bad templates and too many mentions', () => {
      const problems = checkSendConfig({
        source: 'template',
        template: { type: 'link', title: '{{#x}}', text: '' },
        mentions: { atMobiles: Array.from({ length: 51 }, (_, i) => `m${i}`) },
      });
      assert.deepEqual(
        problems.map((p) => [p.code, p.path]),
        [
          ['template_error', 'link.title'],
          ['invalid_message', 'link.text'],
          ['invalid_message', 'link.messageUrl'],
          ['too_many_mentions', undefined],
        ],
      );
    });
    it('is happy with a payload source', () => assert.deepEqual(checkSendConfig({ source: 'payload' }), []));
  });
});
