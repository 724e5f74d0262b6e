// The dedupe store shared by several Node-RED instances: one Redis key per remembered id, claimed for a whole
// turn's batch in one round trip by a script (atomic, so the same event delivered to two instances at the same
// moment is accepted by exactly one). The same contract as the local store (test/unit/store/dedupe-contract.ts).
import { LuaScript, type RedisConnection } from '../redis/connection';
import { type DedupeStore, storedKey } from './dedupe-store';

/**
 * Each key holds the time (the caller's clock, as in the local store) until which its id counts as seen; Redis
 * expires it a horizon after it was written, which only collects what is no longer needed.
 */
const CLAIM = new LuaScript(`
local now = tonumber(ARGV[1])
local horizon = tonumber(ARGV[2])
local out = {}
for i, key in ipairs(KEYS) do
  local seenUntil = tonumber(redis.call('GET', key) or '0')
  if seenUntil > now then
    out[i] = 0
  else
    redis.call('SET', key, now + horizon, 'PX', horizon)
    out[i] = 1
  end
end
return out
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

  constructor(private readonly options: RedisDedupeOptions) {
    this.prefix = `${options.keyPrefix}dedupe:${options.scope}:`;
  }

  async claimAll(keys: readonly string[], nowMs: number): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const redisKeys = keys.map((key) => this.prefix + storedKey(key));
    const answer = await this.options.connection.run(CLAIM, redisKeys, [nowMs, this.options.horizonMs]);
    if (!Array.isArray(answer) || answer.length !== keys.length)
      throw new Error('Redis answered the claim with the wrong number of ids');
    return answer.map((first) => Number(first) === 1);
  }

  /** The connection is the process's, shared with other nodes: its owner releases it. */
  async close(): Promise<void> {}
}
