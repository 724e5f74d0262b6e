import assert from 'node:assert/strict';
import { IpAllowlist } from '../../../nodes/core/webhook/ip-allowlist';

function parse(text: string): IpAllowlist {
  const result = IpAllowlist.parse(text);
  if (!result.ok || !result.allowlist) throw new Error('expected an allowlist');
  return result.allowlist;
}

describe('source allowlist', () => {
  it('means "everyone" when empty', () => {
    assert.deepEqual(IpAllowlist.parse('  '), { ok: true, allowlist: undefined });
  });
  const list = parse('203.0.113.0/24, 198.51.100.7\n2001:db8::/32');
  const table: [string | undefined, boolean][] = [
    ['203.0.113.5', true],
    ['203.0.114.5', false],
    ['198.51.100.7', true],
    ['198.51.100.8', false],
    ['::ffff:203.0.113.9', true],
    ['2001:db8:1::1', true],
    ['2001:db9::1', false],
    [undefined, false],
    ['not an address', false],
  ];
  for (const [address, allowed] of table) {
    it(`${allowed ? 'allows' : 'refuses'} ${address}`, () => assert.equal(list.allows(address), allowed));
  }
  it('names the entry it cannot read', () => {
    assert.deepEqual(IpAllowlist.parse('10.0.0.0/8, shop.example.com'), {
      ok: false,
      detail: '"shop.example.com" is not an IP address or CIDR range',
    });
    assert.equal(IpAllowlist.parse('10.0.0.0/33').ok, false);
  });
});
