import { isIPv6 } from 'node:net';

/** Whether a request proved the secret (or was refused for its signature or time). */
export type Outcome = 'verified' | 'failed';

interface Bucket {
  tokens: number;
  at: number;
}

interface Budgets {
  verified: Bucket;
  failed: Bucket;
}

/**
 * Token buckets per source: `perSecond` requests a second on average, bursts up to `burst`. Each source has two
 * budgets, one for requests that verified and one for requests that failed the signature or the time window, so
 * that an unauthenticated client sharing an address with the POS (behind a proxy, a NAT) cannot spend the
 * POS's budget. IPv6 sources are counted per /64 (one host can use a whole /64). At most `maxSources` sources
 * are remembered, the least recently seen forgotten first, so that a scan from many addresses cannot grow memory
 * without bound; a forgotten source starts again with full budgets.
 */
export class SourceRateLimiter {
  private readonly sources = new Map<string, Budgets>();

  constructor(
    private readonly perSecond: number,
    private readonly burst = Math.max(1, Math.ceil(perSecond)),
    private readonly maxSources = 10_000,
  ) {}

  /** Sources remembered. */
  get size(): number {
    return this.sources.size;
  }

  /**
   * Before the body is read, when it is not known yet which budget a request will take: 0 when one of the
   * source's budgets has room, else the seconds until one has (for Retry-After). Charges nothing.
   */
  admits(address: string | undefined, nowMs: number): number {
    const budgets = this.sources.get(sourceKey(address));
    if (!budgets) return 0;
    return Math.min(this.refill(budgets.verified, nowMs), this.refill(budgets.failed, nowMs));
  }

  /** Charges a request to its budget: 0 when it had room, else the seconds to wait (for Retry-After). */
  take(address: string | undefined, outcome: Outcome, nowMs: number): number {
    const bucket = this.budgetsOf(sourceKey(address), nowMs)[outcome];
    const wait = this.refill(bucket, nowMs);
    if (wait === 0) bucket.tokens -= 1;
    return wait;
  }

  /** Brings a bucket up to date; 0 when it holds a token, else the whole seconds until it will. */
  private refill(bucket: Bucket, nowMs: number): number {
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.perSecond);
    bucket.at = nowMs;
    return bucket.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }

  private budgetsOf(key: string, nowMs: number): Budgets {
    let budgets = this.sources.get(key);
    if (budgets)
      this.sources.delete(key); // re-inserted below: the map's order is least recently seen first
    else {
      budgets = { verified: { tokens: this.burst, at: nowMs }, failed: { tokens: this.burst, at: nowMs } };
      if (this.sources.size >= this.maxSources)
        this.sources.delete(this.sources.keys().next().value as string);
    }
    this.sources.set(key, budgets);
    return budgets;
  }
}

/**
 * The key a source address is counted under: an IPv4 address as it is (also when it arrives IPv4-mapped on a
 * dual-stack socket, ::ffff:a.b.c.d), an IPv6 address as its /64 prefix.
 */
export function sourceKey(address: string | undefined): string {
  if (!address) return '';
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  const unzoned = plain.split('%')[0] as string;
  if (!isIPv6(unzoned)) return plain;
  return `${expandIPv6(unzoned.toLowerCase()).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, without leading zeros ("2001:db8::1" → 2001, db8, 0, …, 1). */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  // an embedded IPv4 address (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) stands for the last two groups
  const written = [...left, ...right].reduce((n, group) => n + (group.includes('.') ? 2 : 1), 0);
  const zeros = Array.from({ length: 8 - written }, () => '0');
  return [...left, ...zeros, ...right].map((group) => group.replace(/^0+(?=[0-9a-f])/, ''));
}
