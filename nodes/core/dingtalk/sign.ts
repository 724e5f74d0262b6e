import { createHmac } from 'node:crypto';
import type { RobotAddress } from './address';

/** A request signature: the timestamp (ms, as sent) and the signature in base64 and URL-encoded form. */
export interface Signature {
  timestamp: string;
  /** base64(HMAC-SHA256(secret, timestamp + "\n" + secret)) */
  base64: string;
  /** The base64 signature URL-encoded exactly once: the `sign` query value. */
  sign: string;
}

/** Signs a timestamp (ms) with the robot's SEC… secret, per DingTalk's 加签 scheme. */
export function signTimestamp(secret: string, timestampMs: number): Signature {
  const timestamp = String(Math.trunc(timestampMs));
  const base64 = createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
  return { timestamp, base64, sign: encodeURIComponent(base64) };
}

/**
 * The URL to POST to, signed afresh for `nowMs` when a secret is set. Build it for every request (retries
 * too): a signature older than an hour is refused.
 */
export function buildRequestUrl(address: RobotAddress, secret: string | undefined, nowMs: number): string {
  let url = `${address.endpoint}?access_token=${encodeURIComponent(address.accessToken)}`;
  const s = secret?.trim();
  if (s) {
    const { timestamp, sign } = signTimestamp(s, nowMs);
    url += `&timestamp=${timestamp}&sign=${sign}`;
  }
  return url;
}
