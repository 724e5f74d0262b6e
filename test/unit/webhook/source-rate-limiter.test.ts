import assert from 'node:assert/strict';
import { SourceRateLimiter } from '../../../nodes/core/webhook/source-rate-limiter';

describe('per-source rate limiter', () => {
  it('lets a burst through, then asks to wait, and refills with time', () => {
    const limiter = new SourceRateLimiter(2, 2);
    assert.equal(limiter.take('a', 0), 0);
    assert.equal(limiter.take('a', 0), 0);
    assert.equal(limiter.take('a', 0), 1);
    assert.equal(limiter.take('b', 0), 0, 'another source has its own bucket');
    assert.equal(limiter.take('a', 500), 0, 'half a second refills one token at 2/s');
  });
  it('rounds the wait up to whole seconds for Retry-After', () => {
    const limiter = new SourceRateLimiter(0.1, 1);
    assert.equal(limiter.take('a', 0), 0);
    assert.equal(limiter.take('a', 0), 10);
  });
});
