import assert from 'node:assert/strict';
import { start } from '../../../dev/dingtalk-standin/index';
import { validateMessage } from '../../../dev/dingtalk-standin/messages';
import { notified, renderMarkdown, renderMessage } from '../../../dev/dingtalk-standin/render';

function render(body: unknown): string {
  const validation = validateMessage(body);
  assert.ok(validation.ok, JSON.stringify(validation));
  return renderMessage(validation.message);
}

describe('DingTalk stand-in page', () => {
  describe('markdown (the subset DingTalk renders)', () => {
    const cases: [string, string, string][] = [
      ['a heading', '### 库存告警', '<h3>库存告警</h3>'],
      ['bold and italic', '**HK-MK-001** is *low*', '<p><strong>HK-MK-001</strong> is <em>low</em></p>'],
      ['a link', '[order](https://pos.example/1001)', '<a href="https://pos.example/1001"'],
      ['an image', '![van](https://img.example/v.png)', '<img alt="van" src="https://img.example/v.png">'],
      ['a list', '- milk tea\n- lemon tea', '<ul><li>milk tea</li><li>lemon tea</li></ul>'],
      ['an ordered list', '1. one\n2. two', '<ol><li>one</li><li>two</li></ol>'],
      ['a quote', '> refund reason', '<blockquote>refund reason</blockquote>'],
      ['paragraphs on a blank line', 'a\n\nb', '<p>a</p>\n<p>b</p>'],
      ['no break on a single newline', 'a\nb', '<p>a b</p>'],
    ];
    for (const [name, markdown, html] of cases) {
      it(`renders ${name}`, () =>
        assert.ok(renderMarkdown(markdown).includes(html), renderMarkdown(markdown)));
    }
    it('escapes HTML and refuses script links', () => {
      const html = renderMarkdown('<script>alert(1)</script> [x](javascript:alert(1)) ![i](data:x)');
      assert.ok(!html.includes('<script>'));
      assert.ok(html.includes('&lt;script&gt;'));
      assert.ok(!html.includes('href="javascript'));
      assert.ok(!html.includes('src="data'));
    });
  });

  describe('mentions', () => {
    it('notifies only people both listed and written with @', () => {
      const mentions = {
        atMobiles: ['13800000000', '13900000000'],
        atUserIds: ['manager01'],
        isAtAll: false,
      };
      assert.deepEqual(notified(mentions, 'stock low @13800000000 @manager01'), {
        people: ['13800000000', 'manager01'],
        ignored: ['13900000000'],
      });
    });
    it('highlights a notified mention and warns about one that notifies nobody', () => {
      const html = render({
        msgtype: 'text',
        text: { content: 'low stock @13800000000' },
        at: { atMobiles: ['13800000000', '13900000000'] },
      });
      assert.ok(html.includes('<span class="mention">@13800000000</span>'));
      assert.match(html, /not notified[^<]*13900000000/);
    });
    it('shows @everyone', () => {
      assert.ok(
        render({ msgtype: 'text', text: { content: 'x' }, at: { isAtAll: true } }).includes('@所有人'),
      );
    });
  });

  it('renders cards with DingTalk casing', () => {
    const link = render({
      msgtype: 'link',
      link: { title: 'T', text: 'X', messageUrl: 'https://a', picUrl: 'https://p' },
    });
    assert.ok(link.includes('href="https://a"') && link.includes('src="https://p"'));
    const card = render({
      msgtype: 'actionCard',
      actionCard: { title: 'T', text: '**x**', btns: [{ title: 'Open', actionURL: 'https://o' }] },
    });
    assert.ok(card.includes('<strong>x</strong>') && card.includes('href="https://o"'));
    const feed = render({
      msgtype: 'feedCard',
      feedCard: { links: [{ title: 'F', messageURL: 'https://f' }] },
    });
    assert.ok(feed.includes('href="https://f"'));
  });

  it('serves the page and the feed newest-last with rendered HTML, tokens masked', async () => {
    const standin = await start({ token: 'secret-token-abcd' });
    try {
      const page = await fetch(`${standin.url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /DingTalk stand-in/);
      await fetch(standin.webhookUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ msgtype: 'markdown', markdown: { title: 't', text: '## 告警' } }),
      });
      const feed = (await (await fetch(`${standin.url}/api/messages?after=0`)).json()) as {
        messages: { robot: string; html: string }[];
      };
      assert.equal(feed.messages.length, 1);
      assert.equal(feed.messages[0]?.robot, '…abcd');
      assert.ok(feed.messages[0]?.html.includes('<h2>告警</h2>'));
      const later = (await (await fetch(`${standin.url}/api/messages?after=1`)).json()) as {
        messages: unknown[];
      };
      assert.equal(later.messages.length, 0);
    } finally {
      await standin.close();
    }
  });
});
