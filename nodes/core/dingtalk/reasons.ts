/**
 * Every outcome and refusal has a stable code (for locale files: `dingtalk-send.reason.<code>`) and an English
 * text in plain words for ops staff. No text ever contains a secret or a token.
 */
export const REASONS = {
  // DingTalk's answers
  ok: 'sent',
  busy: 'DingTalk is busy (errcode -1): will retry',
  throttled:
    'DingTalk throttled this robot (more than 20 messages a minute): messages wait and are sent later',
  sign_mismatch: 'signature mismatch: check the secret',
  timestamp_invalid: 'timestamp refused: check this computer’s clock',
  keyword_missing: 'keyword missing: the message holds none of the robot’s keywords',
  ip_not_allowed: 'this server’s IP address is not in the robot’s allowlist',
  security_failed: 'DingTalk’s security check failed: check the secret, keywords and IP allowlist',
  token_not_found: 'token does not exist: check the webhook URL or access token',
  robot_disabled: 'the robot is disabled in DingTalk',
  robot_not_in_group: 'the robot is not in the group any more',
  group_dissolved: 'the DingTalk group was dissolved',
  unsupported_type: 'DingTalk does not support this message type',
  missing_parameter: 'DingTalk says a required field is missing',
  wrong_content_type: 'DingTalk refused the request’s Content-Type',
  body_too_large: 'the message is over DingTalk’s 20,000-byte limit',
  unsafe_content: 'DingTalk blocked the message as unsafe (link, text or image)',
  unknown_errcode: 'DingTalk answered with an unknown error code',
  server_error: 'DingTalk’s server failed (HTTP 5xx): will retry',
  http_error: 'DingTalk answered with an unexpected HTTP status',
  not_json: 'DingTalk’s answer was not JSON',
  network_error: 'could not reach DingTalk (network error): will retry',
  timeout: 'DingTalk did not answer in time: will retry',
  pin_mismatch:
    'DingTalk’s certificate matches none of the robot’s pins: alerts wait until the pins are updated (or the proxy in between is removed)',
  // refused before sending
  invalid_message: 'the message is not a valid DingTalk message',
  template_error: 'the message template could not be rendered',
  keyword_refused: 'the message holds none of the robot’s keywords, so it was not sent',
  too_large: 'the message is over DingTalk’s 20,000-byte limit, so it was not sent',
  too_many_mentions: 'more than 50 people mentioned: only the first 50 are notified',
  // robot address problems
  address_empty: 'no webhook URL or access token set',
  address_invalid: 'not a DingTalk webhook URL or access token',
  address_is_secret: 'this looks like the signing secret (SEC…), not the webhook URL or token',
  address_no_token: 'the webhook URL has no access_token',
  address_host_not_allowed: 'the webhook URL is not on oapi.dingtalk.com or oapi.dingtalk.io',
  address_insecure: 'DingTalk webhooks must use https',
  secret_invalid: 'the signing secret should start with SEC',
  pins_invalid: 'a certificate pin is not a sha256 pin (sha256/… base64)',
  pins_too_few: 'certificate pinning needs at least two pins (one a backup)',
  // delivery bookkeeping
  retries_exhausted: 'gave up after the last retry',
  expired: 'not delivered within the maximum age (24 hours unless set otherwise): gave up',
  outbox_full: 'too many alerts are waiting to be sent (the outbox is full): not accepted',
  closed: 'the node was stopped before the message could be sent',
  store_error: 'could not write the outbox file: will retry',
} as const;

/** A stable reason code. */
export type ReasonCode = keyof typeof REASONS;

/** A problem in plain words: a stable code, the English text, and where known the field at fault. */
export interface Problem {
  code: ReasonCode;
  text: string;
  /** The field at fault, e.g. `markdown.text` or `btns[0].actionURL`. */
  path?: string;
  /** Extra detail safe to show (never a secret). */
  detail?: string;
}

/** Builds a Problem from its code. */
export function problem(code: ReasonCode, extra: { path?: string; detail?: string } = {}): Problem {
  const p: Problem = { code, text: REASONS[code] };
  if (extra.path !== undefined) p.path = extra.path;
  if (extra.detail !== undefined) p.detail = extra.detail;
  return p;
}
