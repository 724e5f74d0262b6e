import assert from 'node:assert/strict';
import { validateMessage } from '../../../nodes/core/dingtalk';

const good: [string, unknown][] = [
  ['text', { msgtype: 'text', text: { content: 'hi' }, at: { atMobiles: ['138'], isAtAll: false } }],
  ['markdown', { msgtype: 'markdown', markdown: { title: 't', text: '# hi' } }],
  [
    'link',
    {
      msgtype: 'link',
      link: { title: 't', text: 'x', messageUrl: 'https://a.b/c', picUrl: 'https://a.b/p.png' },
    },
  ],
  ['link without picture', { msgtype: 'link', link: { title: 't', text: 'x', messageUrl: 'https://a.b/c' } }],
  [
    'actionCard single',
    {
      msgtype: 'actionCard',
      actionCard: { title: 't', text: 'x', singleTitle: 'Open', singleURL: 'https://a.b' },
    },
  ],
  [
    'actionCard buttons',
    {
      msgtype: 'actionCard',
      actionCard: {
        title: 't',
        text: 'x',
        btnOrientation: '1',
        btns: [
          { title: 'A', actionURL: 'https://a.b/1' },
          { title: 'B', actionURL: 'dingtalk://dingtalkclient/page/link?url=x' },
        ],
      },
    },
  ],
  [
    'feedCard',
    {
      msgtype: 'feedCard',
      feedCard: { links: [{ title: 'a', messageURL: 'https://a.b', picURL: 'https://a.b/p' }] },
    },
  ],
  ['with msgUuid', { msgtype: 'text', text: { content: 'hi' }, msgUuid: 'abc' }],
];

const bad: [string, unknown, string, RegExp?][] = [
  ['not an object', 'hello', ''],
  ['an array', [], ''],
  ['unknown type', { msgtype: 'image', image: {} }, 'msgtype'],
  ['empty text', { msgtype: 'text', text: { content: '  ' } }, 'text.content'],
  ['missing text block', { msgtype: 'text' }, 'text'],
  [
    'link with messageURL (feedCard casing)',
    { msgtype: 'link', link: { title: 't', text: 'x', messageURL: 'https://a' } },
    'link.messageURL',
    /messageUrl/,
  ],
  [
    'feedCard with messageUrl (link casing)',
    {
      msgtype: 'feedCard',
      feedCard: { links: [{ title: 'a', messageUrl: 'https://a', picURL: 'https://p' }] },
    },
    'feedCard.links[0].messageUrl',
    /messageURL/,
  ],
  [
    'actionCard with singleUrl',
    {
      msgtype: 'actionCard',
      actionCard: { title: 't', text: 'x', singleTitle: 'Go', singleUrl: 'https://a' },
    },
    'actionCard.singleUrl',
    /singleURL/,
  ],
  [
    'button with actionUrl',
    {
      msgtype: 'actionCard',
      actionCard: { title: 't', text: 'x', btns: [{ title: 'A', actionUrl: 'https://a' }] },
    },
    'actionCard.btns[0].actionUrl',
    /actionURL/,
  ],
  [
    'actionCard without a button',
    { msgtype: 'actionCard', actionCard: { title: 't', text: 'x' } },
    'actionCard.singleTitle',
  ],
  [
    'empty buttons',
    { msgtype: 'actionCard', actionCard: { title: 't', text: 'x', btns: [] } },
    'actionCard.btns',
  ],
  [
    'javascript: link',
    { msgtype: 'link', link: { title: 't', text: 'x', messageUrl: 'javascript:alert(1)' } },
    'link.messageUrl',
  ],
  [
    'bad orientation',
    {
      msgtype: 'actionCard',
      actionCard: { title: 't', text: 'x', btnOrientation: 2, singleTitle: 'a', singleURL: 'https://a' },
    },
    'actionCard.btnOrientation',
  ],
  ['empty feed', { msgtype: 'feedCard', feedCard: { links: [] } }, 'feedCard.links'],
  ['isAtAll as string', { msgtype: 'text', text: { content: 'x' }, at: { isAtAll: 'yes' } }, 'at.isAtAll'],
];

describe('dingtalk message schema', () => {
  for (const [name, message] of good) {
    it(`accepts ${name}`, () => {
      const r = validateMessage(message);
      assert.ok(r.ok, JSON.stringify(r));
    });
  }
  for (const [name, message, path, hint] of bad) {
    it(`refuses ${name}, naming ${path || 'the message'}`, () => {
      const r = validateMessage(message);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.problem.code, 'invalid_message');
      assert.equal(!r.ok && r.problem.path, path);
      if (hint) assert.match(!r.ok ? (r.problem.detail ?? '') : '', hint);
    });
  }
});
