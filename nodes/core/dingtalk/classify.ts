import { PIN_MISMATCH_CODE } from './pins';
import { REASONS, type ReasonCode } from './reasons';

/** What to do after an answer: done, retry with backoff, pause the robot then retry, or give up. */
export type Outcome = 'ok' | 'retry' | 'throttled' | 'fatal';

/** What the transport observed: an HTTP status and body, or an error (network, timeout). Never throws. */
export interface TransportAnswer {
  status?: number;
  body?: string;
  error?: { code: string; message: string; timeout?: boolean };
}

/** The verdict on one answer, with a stable reason code and plain-words text. */
export interface Classification {
  outcome: Outcome;
  reason: ReasonCode;
  text: string;
  errcode?: number;
  /** DingTalk's own errmsg, when it sent one. */
  errmsg?: string;
  httpStatus?: number;
}

/** DingTalk's errcodes (facts/dingtalk.md): outcome and reason. 310000 is refined by errmsg. */
export const ERRCODES: Readonly<Record<number, { outcome: Outcome; reason: ReasonCode }>> = {
  0: { outcome: 'ok', reason: 'ok' },
  [-1]: { outcome: 'retry', reason: 'busy' },
  410100: { outcome: 'throttled', reason: 'throttled' },
  130101: { outcome: 'throttled', reason: 'throttled' },
  310000: { outcome: 'fatal', reason: 'security_failed' },
  300001: { outcome: 'fatal', reason: 'token_not_found' },
  300005: { outcome: 'fatal', reason: 'token_not_found' },
  400101: { outcome: 'fatal', reason: 'token_not_found' },
  400102: { outcome: 'fatal', reason: 'robot_disabled' },
  400106: { outcome: 'fatal', reason: 'robot_not_in_group' },
  400013: { outcome: 'fatal', reason: 'group_dissolved' },
  400105: { outcome: 'fatal', reason: 'unsupported_type' },
  40035: { outcome: 'fatal', reason: 'missing_parameter' },
  400401: { outcome: 'fatal', reason: 'missing_parameter' },
  43004: { outcome: 'fatal', reason: 'wrong_content_type' },
  460101: { outcome: 'fatal', reason: 'body_too_large' },
  101002: { outcome: 'fatal', reason: 'body_too_large' },
  430101: { outcome: 'fatal', reason: 'unsafe_content' },
  430102: { outcome: 'fatal', reason: 'unsafe_content' },
  430103: { outcome: 'fatal', reason: 'unsafe_content' },
  430104: { outcome: 'fatal', reason: 'unsafe_content' },
};

/**
 * What failed, from a 310000 errmsg. DingTalk's current wording is `description:…;solution:…;link:…`, and
 * only the description says what failed: the solution for a wrong signature mentions the timestamp (时间戳).
 * Older wordings are one phrase (`sign not match, more: [url]`).
 */
function failureDescription(errmsg: string): string {
  const described = /description:([^;]*)/i.exec(errmsg);
  if (described) return described[1] ?? '';
  return errmsg.split(/,?\s*more:/i)[0] ?? '';
}

/** Tells the 310000 security failures apart by errmsg (English and Chinese wordings, old and current). */
function securityReason(errmsg: string): ReasonCode {
  const m = failureDescription(errmsg).toLowerCase();
  if (/keyword|关键词|关键字/.test(m)) return 'keyword_missing';
  if (/timestamp|时间戳|过期|expired/.test(m)) return 'timestamp_invalid';
  if (/whitelist|allowlist|白名单|\bip\b/.test(m)) return 'ip_not_allowed';
  if (/sign|签名/.test(m)) return 'sign_mismatch';
  return 'security_failed';
}

/**
 * Retryable failures that only the operator can end (new pins, or no more interception): the alert keeps
 * waiting however many retries it took, instead of failing for good after the last one.
 */
const KEEPS_WAITING: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['pin_mismatch']);

/** True when a failure with this reason keeps its alert waiting past the retries (see KEEPS_WAITING). */
export function keepsWaiting(reason: ReasonCode): boolean {
  return KEEPS_WAITING.has(reason);
}

function verdict(
  outcome: Outcome,
  reason: ReasonCode,
  extra: { errcode?: number; errmsg?: string; httpStatus?: number } = {},
): Classification {
  return { outcome, reason, text: REASONS[reason], ...extra };
}

/** Reads errcode as a number: 0 and "0" alike; anything else non-numeric is undefined. */
function errcodeOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

/**
 * Classifies one answer. Success is errcode 0 only (HTTP 200 with a non-zero errcode is a failure, an unknown
 * errcode is fatal). Retried: errcode -1, network errors, timeouts, HTTP 5xx and 429, and bodies that are
 * not JSON (a proxy's page). Throttled (410100 / 130101): the robot pauses, the message waits. A pinned
 * robot meeting a certificate none of its pins match is retried too, and keeps waiting (keepsWaiting).
 */
export function classifyAnswer(answer: TransportAnswer): Classification {
  if (answer.error?.code === PIN_MISMATCH_CODE) return verdict('retry', 'pin_mismatch');
  if (answer.error) return verdict('retry', answer.error.timeout ? 'timeout' : 'network_error');
  const httpStatus = answer.status ?? 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body ?? '');
  } catch {
    parsed = undefined;
  }
  const obj = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  const errcode = obj ? errcodeOf(obj.errcode) : undefined;
  const errmsg = obj && typeof obj.errmsg === 'string' ? obj.errmsg.slice(0, 300) : undefined;
  const extra = {
    httpStatus,
    ...(errcode === undefined ? {} : { errcode }),
    ...(errmsg === undefined ? {} : { errmsg }),
  };
  if (errcode !== undefined && ERRCODES[errcode]?.outcome === 'throttled')
    return verdict('throttled', 'throttled', extra);
  if (httpStatus >= 500) return verdict('retry', 'server_error', extra);
  if (httpStatus === 429 || httpStatus === 408) return verdict('retry', 'http_error', extra);
  if (httpStatus < 200 || httpStatus >= 300) return verdict('fatal', 'http_error', extra);
  if (!obj) return verdict('retry', 'not_json', extra);
  if (errcode === undefined) return verdict('fatal', 'unknown_errcode', extra);
  const known = ERRCODES[errcode];
  if (!known) return verdict('fatal', 'unknown_errcode', extra);
  if (errcode === 310000) return verdict('fatal', securityReason(errmsg ?? ''), extra);
  return verdict(known.outcome, known.reason, extra);
}
