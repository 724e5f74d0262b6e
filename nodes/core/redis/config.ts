// Which store the package keeps its shared state in: unset, each Node-RED instance keeps it in local files; set,
// every node of the package shares it through one Redis. One setting switches all of them: the environment
// variable POS_DINGTALK_REDIS_URL, or settings.js `posDingtalkRedis: { url, keyPrefix, tls }` (which wins).

/** Everything a connection needs. `display` names the server for status and logs, never its password. */
export interface RedisSettings {
  url: string;
  keyPrefix: string;
  /** Node TLS options for `rediss://` (a CA, a client certificate); true for the system's trust store. */
  tls?: Record<string, unknown>;
  display: string;
}

export type RedisConfig =
  | { kind: 'local' }
  | { kind: 'redis'; settings: RedisSettings }
  | { kind: 'invalid'; problem: string };

export const REDIS_URL_ENV = 'POS_DINGTALK_REDIS_URL';
export const DEFAULT_KEY_PREFIX = 'posdt:';
const PREFIX = /^[\w.:-]{1,64}$/;

/** `redis://user:secret@host:6379/0` → `redis://user@host:6379/0`: what status and logs may show. */
export function redactRedisUrl(url: URL): string {
  const auth = url.username ? `${decodeURIComponent(url.username)}@` : '';
  return `${url.protocol}//${auth}${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/** Reads the setting; a malformed one is a problem to show, never a silent fall-back to local files. */
export function redisConfigFrom(env: Record<string, string | undefined>, setting: unknown): RedisConfig {
  const fromSettings =
    typeof setting === 'object' && setting !== null ? (setting as Record<string, unknown>) : {};
  const raw = typeof fromSettings.url === 'string' ? fromSettings.url : env[REDIS_URL_ENV];
  if (setting !== undefined && (typeof setting !== 'object' || setting === null))
    return { kind: 'invalid', problem: 'posDingtalkRedis must be an object { url, keyPrefix, tls }' };
  if (raw === undefined || raw.trim() === '') return { kind: 'local' };
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return {
      kind: 'invalid',
      problem: 'the Redis URL is not a URL (expected redis://host:6379 or rediss://…)',
    };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return {
      kind: 'invalid',
      problem: `the Redis URL must start with redis:// or rediss://, not ${url.protocol}//`,
    };
  if (!url.hostname) return { kind: 'invalid', problem: 'the Redis URL names no host' };
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return { kind: 'invalid', problem: 'the Redis URL has a malformed %-escape in its user or password' };
  }
  if (url.pathname !== '/' && url.pathname !== '' && !/^\/\d{1,2}$/.test(url.pathname))
    return { kind: 'invalid', problem: 'the Redis URL path must be a database number, such as /0' };
  const keyPrefix = fromSettings.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof keyPrefix !== 'string' || !PREFIX.test(keyPrefix))
    return {
      kind: 'invalid',
      problem: 'posDingtalkRedis.keyPrefix must be 1–64 letters, digits, . : _ or -',
    };
  const tls = fromSettings.tls;
  if (tls !== undefined && tls !== true && (typeof tls !== 'object' || tls === null))
    return { kind: 'invalid', problem: 'posDingtalkRedis.tls must be true or an object of TLS options' };
  const settings: RedisSettings = { url: url.href, keyPrefix, display: redactRedisUrl(url) };
  if (tls !== undefined) settings.tls = tls === true ? {} : (tls as Record<string, unknown>);
  return { kind: 'redis', settings };
}
