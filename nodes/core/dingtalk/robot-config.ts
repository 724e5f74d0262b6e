// Turns a dingtalk-robot node's form, its credentials and Node-RED's settings.js into checked values (no
// Node-RED imports, so it is tested directly). Problems come back as the core's reason codes, which the
// locale files translate.
import { checkSecret, parseRobotAddress, type RobotAddress } from './address';
import { type KeywordMode, parseKeywords } from './keywords';
import { parsePins } from './pins';
import type { Problem } from './reasons';

/** settings.js keys read by the DingTalk nodes (all optional). */
export interface DingtalkSettings {
  /** Hosts (name or name:port) a webhook may point at besides oapi.dingtalk.com / .io, e.g. the stand-in. */
  dingtalkAllowedHosts?: unknown;
  /**
   * DingTalk's rate-limit window (default 60,000 ms): the robot's rate is "messages per this window". Passed
   * to the core as it is; the core limiter keeps each send a little longer (its arrival margin).
   */
  dingtalkRateWindowMs?: unknown;
  /**
   * While DingTalk throttles a robot, the wait before each probe (one message that tells whether DingTalk has
   * let go; default 60,000 ms). A refused probe waits once more; it never restarts a 10-minute pause.
   */
  dingtalkThrottlePauseMs?: unknown;
  /** After the quick retries, the waits between tries (ms; default [60000, 300000, 1800000], the last repeats). */
  dingtalkSlowRetryMs?: unknown;
  /** An alert not delivered this long after it was accepted goes to the failure output (default 24 hours). */
  dingtalkMaxAgeMs?: unknown;
  /** Alerts a robot's outbox may owe; past it new alerts fail at once with `outbox_full` (default 10,000). */
  dingtalkOutboxMaxAlerts?: unknown;
  /** Bytes a robot's outbox may owe; past it as for dingtalkOutboxMaxAlerts (default 64 MiB). */
  dingtalkOutboxMaxBytes?: unknown;
  /** One request's timeout (default 10,000 ms). */
  dingtalkTimeoutMs?: unknown;
  /**
   * Retries after the first attempt for temporary failures (DingTalk busy, 5xx, network down, timeouts).
   * Default 3 (0.5, 1 and 2 s, with jitter). Raise it to ride out longer outages: 10 waits about two and a
   * half minutes before a message is reported as failed.
   */
  dingtalkRetries?: unknown;
  /** The first retry's delay (default 500 ms), doubling each time. */
  dingtalkRetryBaseMs?: unknown;
  /** The longest delay between two retries (default 30,000 ms). */
  dingtalkRetryMaxMs?: unknown;
  /**
   * Requests one robot may have out at once, waiting for DingTalk's answer or for a retry (default 4, at most
   * 64; the robot opens as many keep-alive connections). 1 sends strictly one after another, so the group shows
   * messages exactly in the order they were accepted; with more, messages leave in that order but can arrive a
   * few places apart (further when one had to be retried). It never changes the rate limit: at DingTalk's 20
   * a minute it makes no difference; it speeds up bursts within the limit and robots whose limit is raised
   * (a gateway, a stand-in).
   */
  dingtalkMaxInFlight?: unknown;
}

export interface RuntimeSettings {
  allowedHosts: string[];
  windowMs: number;
  throttlePauseMs: number;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  slowRetryMs: number[];
  maxAgeMs: number;
  outboxMaxAlerts: number;
  outboxMaxBytes: number;
  /** Requests in flight per robot; absent means the core's default (DEFAULT_MAX_IN_FLIGHT, 4). */
  maxInFlight?: number;
}

/** The most requests in flight settings.js may ask for (each is a keep-alive connection to DingTalk). */
export const MAX_IN_FLIGHT_LIMIT = 64;

export const DEFAULT_SETTINGS: RuntimeSettings = {
  allowedHosts: [],
  windowMs: 60_000,
  throttlePauseMs: 60_000,
  timeoutMs: 10_000,
  retries: 3,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  slowRetryMs: [60_000, 300_000, 1_800_000],
  maxAgeMs: 86_400_000,
  outboxMaxAlerts: 10_000,
  outboxMaxBytes: 64 * 1024 * 1024,
};

function positive(value: unknown, fallback: number, min = 1): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= min ? number : fallback;
}

/** Reads the settings.js keys, falling back to DingTalk's real values for anything unset or invalid. */
export function runtimeSettings(settings: DingtalkSettings): RuntimeSettings {
  const hosts = settings.dingtalkAllowedHosts;
  const list = Array.isArray(hosts) ? hosts : typeof hosts === 'string' ? hosts.split(/[\s,]+/) : [];
  return {
    allowedHosts: list
      .filter((host): host is string => typeof host === 'string')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
    windowMs: positive(settings.dingtalkRateWindowMs, DEFAULT_SETTINGS.windowMs),
    throttlePauseMs: positive(settings.dingtalkThrottlePauseMs, DEFAULT_SETTINGS.throttlePauseMs),
    timeoutMs: positive(settings.dingtalkTimeoutMs, DEFAULT_SETTINGS.timeoutMs),
    retries: Math.floor(positive(settings.dingtalkRetries, DEFAULT_SETTINGS.retries, 0)),
    retryBaseMs: positive(settings.dingtalkRetryBaseMs, DEFAULT_SETTINGS.retryBaseMs),
    retryMaxMs: positive(settings.dingtalkRetryMaxMs, DEFAULT_SETTINGS.retryMaxMs),
    slowRetryMs: schedule(settings.dingtalkSlowRetryMs, DEFAULT_SETTINGS.slowRetryMs),
    maxAgeMs: positive(settings.dingtalkMaxAgeMs, DEFAULT_SETTINGS.maxAgeMs),
    outboxMaxAlerts: Math.floor(positive(settings.dingtalkOutboxMaxAlerts, DEFAULT_SETTINGS.outboxMaxAlerts)),
    outboxMaxBytes: positive(settings.dingtalkOutboxMaxBytes, DEFAULT_SETTINGS.outboxMaxBytes),
    ...maxInFlight(settings.dingtalkMaxInFlight),
  };
}

/** A list of waits (an array or "60000, 300000"); the fallback unless every entry is a positive number. */
function schedule(value: unknown, fallback: number[]): number[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  const waits = list.filter((v) => v !== '').map((v) => positive(v, Number.NaN));
  return waits.length > 0 && waits.every((w) => !Number.isNaN(w)) ? waits : fallback;
}

/** dingtalkMaxInFlight as a whole number from 1 to MAX_IN_FLIGHT_LIMIT; nothing when unset or invalid. */
function maxInFlight(value: unknown): { maxInFlight?: number } {
  const n = positive(value, Number.NaN);
  return Number.isNaN(n) ? {} : { maxInFlight: Math.min(MAX_IN_FLIGHT_LIMIT, Math.floor(n)) };
}

/** True when `webhook` is a URL on a host that settings.js allows (DingTalk's own hosts need no allowance). */
export function hostAllowed(webhook: string, allowedHosts: readonly string[]): boolean {
  if (allowedHosts.length === 0) return false;
  if (allowedHosts.includes('*')) return true;
  const text = webhook.trim();
  if (!/[/:]/.test(text)) return false;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    return allowedHosts.includes(url.host.toLowerCase()) || allowedHosts.includes(url.hostname.toLowerCase());
  } catch {
    return false;
  }
}

/** The robot node's form. */
export interface RobotDef {
  name?: string;
  keywords?: string;
  keywordMode?: string;
  ratePerMinute?: number | string;
  digest?: boolean;
  /** SPKI sha256 pins for the DingTalk host, one per line (empty: no pinning). Public keys' digests, not secrets. */
  pins?: string;
}

export interface RobotCredentials {
  /** The webhook URL or bare access token (or `${ENV_VAR}`). */
  webhook?: string;
  /** The SEC… signing secret (or `${ENV_VAR}`). */
  secret?: string;
}

export interface RobotConfig {
  name: string;
  keywords: string[];
  keywordMode: KeywordMode;
  ratePerWindow: number;
  digest: boolean;
  secret: string | undefined;
  address: RobotAddress | undefined;
  /** The certificate pins a TLS connection must show (empty: pinning off). */
  pins: string[];
  /** Why the robot cannot send (address, secret or pins), in reason codes. */
  problem: Problem | undefined;
}

export const DEFAULT_RATE = 20;

/** Checks a robot's settings; credentials must already have `${ENV}` resolved. */
export function parseRobotConfig(
  def: RobotDef,
  credentials: { webhook: string; secret: string },
  settings: RuntimeSettings,
): RobotConfig {
  const rate = positive(def.ratePerMinute, DEFAULT_RATE);
  const secret = credentials.secret.trim();
  const parsed = parseRobotAddress(credentials.webhook, {
    allowOtherHost: hostAllowed(credentials.webhook, settings.allowedHosts),
  });
  const secretProblem = checkSecret(secret);
  const pins = parsePins(def.pins ?? '');
  const config: RobotConfig = {
    name: def.name?.trim() ?? '',
    keywords: parseKeywords(def.keywords ?? ''),
    keywordMode: def.keywordMode === 'refuse' ? 'refuse' : 'prefix',
    ratePerWindow: Math.floor(rate),
    digest: def.digest !== false,
    secret: secret === '' ? undefined : secret,
    address: parsed.ok ? parsed.address : undefined,
    pins: pins.ok ? pins.pins : [],
    problem: parsed.ok ? (secretProblem ?? (pins.ok ? undefined : pins.problem)) : parsed.problem,
  };
  return config;
}
