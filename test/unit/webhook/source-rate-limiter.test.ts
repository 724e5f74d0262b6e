import assert from 'node:assert/strict';
import { SourceRateLimiter, sourceKey } from '../../../nodes/core/webhook/source-rate-limiter';

describe('per-source rate limiter', () => {
  it('lets a burst through, then asks to wait, and refills with time', () => {
    const limiter = new SourceRateLimiter(2, 2);
    assert.equal(limiter.take('10.0.0.1', 'verified', 0), 0);
    assert.equal(limiter.take('10.0.0.1', 'verified', 0), 0);
    assert.equal(limiter.take('10.0.0.1', 'verified', 0), 1);
    assert.equal(limiter.take('10.0.0.2', 'verified', 0), 0, 'another source has its own bucket');
    assert.equal(limiter.take('10.0.0.1', 'verified', 500), 0, 'half a second refills one token at 2/s');
  });

  it('rounds the wait up to whole seconds for Retry-After', () => {
    const limiter = new SourceRateLimiter(0.1, 1);
    assert.equal(limiter.take('10.0.0.1', 'verified', 0), 0);
    assert.equal(limiter.take('10.0.0.1', 'verified', 0), 10);
  });

  it('keeps failed requests out of the budget of verified ones from the same address', () => {
    const limiter = new SourceRateLimiter(1, 2);
    // an unauthenticated client behind the same proxy as the POS uses up the failed budget…
    assert.equal(limiter.take('10.0.0.1', 'failed', 0), 0);
    assert.equal(limiter.take('10.0.0.1', 'failed', 0), 0);
    assert.ok(limiter.take('10.0.0.1', 'failed', 0) > 0);
    // …and the POS's signed requests still pass, before and after their body is read
    assert.equal(limiter.admits('10.0.0.1', 0), 0);
    assert.equal(limiter.take('10.0.0.1', 'verified', 0), 0);
    assert.equal(limiter.take('10.0.0.1', 'verified', 0), 0);
  });

  it('refuses before the body only a source whose budgets are both spent', () => {
    const limiter = new SourceRateLimiter(1, 1);
    limiter.take('10.0.0.1', 'verified', 0);
    assert.equal(limiter.admits('10.0.0.1', 0), 0, 'a failed request could still be answered');
    limiter.take('10.0.0.1', 'failed', 0);
    assert.equal(limiter.admits('10.0.0.1', 0), 1);
    assert.equal(limiter.admits('10.0.0.1', 1000), 0);
  });

  it('gives a whole IPv6 /64 one budget, and other /64s their own', () => {
    const limiter = new SourceRateLimiter(1, 1);
    assert.equal(limiter.take('2001:db8:1:2::1', 'failed', 0), 0);
    assert.ok(limiter.take('2001:db8:1:2:ffff:ffff:ffff:fffe', 'failed', 0) > 0);
    assert.ok(limiter.take('2001:0db8:0001:0002:0:0:0:9', 'failed', 0) > 0, 'written out in full');
    assert.equal(limiter.take('2001:db8:1:3::1', 'failed', 0), 0);
  });

  it('counts an IPv4 client on a dual-stack socket as its IPv4 address', () => {
    const limiter = new SourceRateLimiter(1, 1);
    assert.equal(limiter.take('::ffff:192.0.2.7', 'verified', 0), 0);
    assert.ok(limiter.take('192.0.2.7', 'verified', 0) > 0);
  });

  it('remembers at most maxSources sources, forgetting the least recently seen', () => {
    const limiter = new SourceRateLimiter(1, 1, 100);
    limiter.take('10.0.0.1', 'verified', 0);
    for (let i = 0; i < 1000; i++) limiter.take(`10.1.${i >> 8}.${i & 255}`, 'failed', 0);
    assert.equal(limiter.size, 100);
    assert.equal(limiter.take('10.0.0.1', 'verified', 0), 0, 'forgotten: a fresh budget');
  });
});

describe('source keys', () => {
  it('are IPv4 addresses as they are, and IPv6 addresses cut to their /64', () => {
    assert.equal(sourceKey('192.0.2.7'), '192.0.2.7');
    assert.equal(sourceKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(sourceKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(sourceKey('2001:DB8::1'), '2001:db8:0:0::/64');
    assert.equal(sourceKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(sourceKey('::1'), '0:0:0:0::/64');
    assert.equal(sourceKey(undefined), '');
  });
});
