import { type RedisConfig, redisConfigFrom } from '../core/redis/config';
import type { NodeAPI } from './node-red';

/**
 * Where this Node-RED instance keeps the package's shared state: local files, or the Redis that every instance
 * of a deployment shares (POS_DINGTALK_REDIS_URL, or settings.js `posDingtalkRedis`, which wins).
 */
export function sharedStoreConfig(RED: NodeAPI): RedisConfig {
  return redisConfigFrom(process.env, RED.settings.posDingtalkRedis);
}
