import assert from 'node:assert/strict';
import { clientAddress } from '../../../nodes/core/webhook/client-address';

describe('client address', () => {
  const trustLoopback = (address: string) => address === '127.0.0.1' || address === '::ffff:127.0.0.1';
  const trustNothing = () => false;

  it('is the socket address when no proxy is trusted, whatever X-Forwarded-For claims', () => {
    assert.equal(clientAddress('10.0.0.9', '203.0.113.5', trustNothing), '10.0.0.9');
  });

  it('is the forwarded address when the proxy is trusted', () => {
    assert.equal(clientAddress('127.0.0.1', '203.0.113.5', trustLoopback), '203.0.113.5');
  });

  it('is the nearest address not trusted, so a client cannot pick its own by prepending', () => {
    assert.equal(clientAddress('127.0.0.1', '198.51.100.1, 203.0.113.5', trustLoopback), '203.0.113.5');
    assert.equal(
      clientAddress('127.0.0.1', '198.51.100.1, 127.0.0.1', trustLoopback),
      '198.51.100.1',
      'through two trusted hops',
    );
  });

  it('passes the hop number to the trust function, as Express does ("trust proxy": 1)', () => {
    const firstHopOnly = (_address: string, hop: number) => hop < 1;
    assert.equal(clientAddress('127.0.0.1', '198.51.100.1, 203.0.113.5', firstHopOnly), '203.0.113.5');
  });

  it('is the socket address when there is no header, and the last one when every hop is trusted', () => {
    assert.equal(clientAddress('127.0.0.1', undefined, trustLoopback), '127.0.0.1');
    assert.equal(
      clientAddress('127.0.0.1', '127.0.0.1', () => true),
      '127.0.0.1',
    );
    assert.equal(clientAddress('127.0.0.1', ['203.0.113.5'], trustLoopback), '203.0.113.5');
  });
});
