// The dedupe store shared by several Node-RED instances: one Redis key per remembered id, claimed for a whole
// turn's batch in one round trip by a script (atomic, so the same event delivered to two instances at the same
// moment is accepted by exactly one). The same contract as the local store (test/unit/store/dedupe-contract.ts).
//
// A claim whose answer is lost (Redis stops, the network drops) may or may not have been recorded, and the event
// was not sent on: were the claim simply kept, the POS's retry would be answered "duplicate" and the event lost.
// So a claim is first provisional, in this instance's name; once its answer has arrived (and the event goes on)
// it is settled, in the background; a claim whose answer was lost is withdrawn as soon as Redis is back, before
// this instance claims anything else. Meanwhile another instance answers a retry of that event 'pending' (503,
// retry), and takes the claim over only if it stays unsettled past PROVISIONAL_MS (its instance died).
import { randomBytes } from 'node:crypto';
import { LuaScript, type RedisConnection } from '../redis/connection';
import { type Claim, type DedupeStore, storedKey } from './dedupe-store';

/** How long a provisional claim holds off other instances before they may take it over. */
export const PROVISIONAL_MS = 60_000;

// A key holds `c|<until>` (settled: a repeat until then, by the callers' clock as in the local store) or
// `p|<claimedAt>|<until>|<owner>` (provisional). Redis expires keys a horizon after writing, only to collect them.
const CLAIM = new LuaScript(`
local now, horizon, provisional, owner = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local out = {}
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  local answer = 1
  if value then
    local kind, a, b = string.match(value, '^(%a)|(%d+)|?(%d*)')
    if kind == 'c' and tonumber(a) > now then
      answer = 0
    elseif kind == 'p' and tonumber(b) > now then
      if string.sub(value, -#owner - 1) == '|' .. owner then
        answer = 0 -- this instance's own claim, whose answer arrived (a lost one is withdrawn first)
      elseif now - tonumber(a) >= provisional then
        answer = 1 -- never settled: the instance that claimed it is gone, and never sent the event on
      else
        answer = 2
      end
    end
  end
  if answer == 1 then
    redis.call('SET', key, string.format('p|%d|%d|', now, now + horizon) .. owner, 'PX', horizon)
  end
  out[i] = answer
end
return out
`);

/** Settles or withdraws this owner's provisional claims (ARGV[2] = 'settle' or 'withdraw'). */
const FINISH = new LuaScript(`
local owner, action = ARGV[1], ARGV[2]
for _, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  if value and string.sub(value, 1, 2) == 'p|' and string.sub(value, -#owner - 1) == '|' .. owner then
    if action == 'settle' then
      local untilMs = string.match(value, '^p|%d+|(%d+)|')
      redis.call('SET', key, 'c|' .. untilMs, 'KEEPTTL')
    else
      redis.call('DEL', key)
    end
  end
end
return #KEYS
`);

export interface RedisDedupeOptions {
  connection: RedisConnection;
  /** Keys are `<keyPrefix>dedupe:<scope>:<id>`: the scope is the pos-in node's id, the same on every instance. */
  keyPrefix: string;
  scope: string;
  horizonMs: number;
}

export class RedisDedupeStore implements DedupeStore {
  private readonly prefix: string;
  /** This store's name in provisional claims: unique per node and start. */
  private readonly owner = randomBytes(9).toString('base64url');
  /** Claims to settle (their answer arrived) and to withdraw (their answer was lost), sent when Redis allows. */
  private readonly toSettle = new Set<string>();
  private readonly toWithdraw = new Set<string>();
  private finishing: Promise<void> | undefined;

  private readonly unwatch: () => void;

  constructor(private readonly options: RedisDedupeOptions) {
    this.prefix = `${options.keyPrefix}dedupe:${options.scope}:`;
    // what is owed goes out as soon as Redis is back, not only with this instance's next delivery
    this.unwatch = options.connection.watch((state) => {
      if (state.up) void this.finish().catch(() => undefined);
    });
  }

  async claimAll(keys: readonly string[], nowMs: number): Promise<Claim[]> {
    if (keys.length === 0) return [];
    // a lost claim is withdrawn before anything new is claimed: its retry must find it free
    if (this.toWithdraw.size > 0) await this.finish();
    const redisKeys = keys.map((key) => this.prefix + storedKey(key));
    let answer: unknown;
    try {
      answer = await this.options.connection.run(CLAIM, redisKeys, [
        Math.round(nowMs),
        Math.max(1, Math.round(this.options.horizonMs)),
        PROVISIONAL_MS,
        this.owner,
      ]);
    } catch (err) {
      // a key claimed earlier by this instance (and sent on) stays claimed: only the lost claim is withdrawn
      for (const key of redisKeys) if (!this.toSettle.has(key)) this.toWithdraw.add(key);
      throw err;
    }
    if (!Array.isArray(answer) || answer.length !== keys.length)
      throw new Error('Redis answered the claim with the wrong number of ids');
    const claims = answer.map((code): Claim => (code === 1 ? true : code === 2 ? 'pending' : false));
    for (const [i, key] of redisKeys.entries()) if (claims[i] === true) this.toSettle.add(key);
    void this.finish().catch(() => undefined); // settled in the background; kept to retry if Redis is away
    return claims;
  }

  /** Sends what is owed to settle and withdraw; what fails stays owed for the next claim, reconnection or close. */
  private finish(): Promise<void> {
    // reset in a later microtask, never before the promise is stored (an empty drain completes at once)
    this.finishing ??= this.drain().finally(() => {
      this.finishing = undefined;
    });
    return this.finishing;
  }

  private async drain(): Promise<void> {
    while (this.toWithdraw.size + this.toSettle.size > 0) {
      for (const [action, keys] of [
        ['withdraw', this.toWithdraw],
        ['settle', this.toSettle],
      ] as const) {
        if (keys.size === 0) continue;
        const batch = [...keys];
        await this.options.connection.run(FINISH, batch, [this.owner, action]);
        for (const key of batch) keys.delete(key);
      }
    }
  }

  /** Settles what it can before the node goes; the connection itself is the process's (its owner releases it). */
  async close(): Promise<void> {
    this.unwatch();
    await this.finish().catch(() => undefined);
  }
}
