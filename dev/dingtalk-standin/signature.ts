// DingTalk's signature check for custom robots (加签), written from the published description and NOT from the
// package's own signing code, so that the stand-in catches the package's mistakes instead of repeating them:
//   sign = urlEncode(base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)))
// The server reads `timestamp` and `sign` as ordinary query parameters (a `+` left unencoded arrives as a
// space, a double-encoded value arrives still encoded: both fail), and refuses a timestamp more than one hour
// from its own clock.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_WINDOW_MS = 60 * 60 * 1000;

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'missing' | 'timestamp' | 'mismatch' };

/** The base64 signature DingTalk expects for `timestamp` (the decoded value of the `sign` parameter). */
export function expectedSignature(secret: string, timestamp: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(Buffer.from(`${timestamp}\n${secret}`, 'utf8'))
    .digest('base64');
}

/**
 * Checks decoded `timestamp` and `sign` query values against `secret` at server time `nowMs`.
 * The timestamp must be whole milliseconds since the epoch (a seconds value lands 55 years off and fails).
 */
export function checkSignature(
  secret: string,
  timestamp: string | null,
  sign: string | null,
  nowMs: number,
): SignatureVerdict {
  if (!timestamp || !sign) return { ok: false, reason: 'missing' };
  if (!/^\d{1,16}$/.test(timestamp)) return { ok: false, reason: 'timestamp' };
  if (Math.abs(nowMs - Number(timestamp)) > TIMESTAMP_WINDOW_MS) return { ok: false, reason: 'timestamp' };
  const expected = Buffer.from(expectedSignature(secret, timestamp), 'utf8');
  const given = Buffer.from(sign, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'mismatch' };
  }
  return { ok: true };
}
