import { type Problem, problem } from './reasons';

/** The DingTalk hosts a webhook may point at without the allow-other-host setting. */
export const DINGTALK_HOSTS: readonly string[] = ['oapi.dingtalk.com', 'oapi.dingtalk.io'];

/** Where a robot's messages go: endpoint without query, and the access token (a secret). */
export interface RobotAddress {
  /** e.g. `https://oapi.dingtalk.com/robot/send` (no query string). */
  endpoint: string;
  /** The robot's access token. Secret: never log or show it. */
  accessToken: string;
  /** The host, safe to show (e.g. `oapi.dingtalk.com`). */
  host: string;
}

/** Options for parseRobotAddress. */
export interface AddressOptions {
  /** Allows hosts other than oapi.dingtalk.com / .io, and plain http there (for the local stand-in). */
  allowOtherHost?: boolean;
  /** The endpoint a bare token is sent to; default https://oapi.dingtalk.com/robot/send. */
  defaultEndpoint?: string;
}

/** Result of parsing a robot address. */
export type AddressResult = { ok: true; address: RobotAddress } | { ok: false; problem: Problem };

const TOKEN = /^[A-Za-z0-9_-]{8,256}$/;
const SECRET = /^SEC[0-9a-f]{16,}$/i;

/**
 * Parses what a user pasted: the whole webhook URL (`https://oapi.dingtalk.com/robot/send?access_token=…`)
 * or just the access token. Surrounding spaces and quotes are ignored.
 */
export function parseRobotAddress(input: string | undefined, options: AddressOptions = {}): AddressResult {
  const text = (input ?? '').trim().replace(/^["']|["']$/g, '');
  if (text === '') return { ok: false, problem: problem('address_empty') };
  if (SECRET.test(text)) return { ok: false, problem: problem('address_is_secret') };
  if (TOKEN.test(text)) {
    const endpoint = options.defaultEndpoint ?? 'https://oapi.dingtalk.com/robot/send';
    return { ok: true, address: { endpoint, accessToken: text, host: new URL(endpoint).host } };
  }
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return { ok: false, problem: problem('address_invalid') };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { ok: false, problem: problem('address_invalid') };
  const known = DINGTALK_HOSTS.includes(url.hostname.toLowerCase());
  if (!known && !options.allowOtherHost) {
    return { ok: false, problem: problem('address_host_not_allowed', { detail: url.host }) };
  }
  if (known && url.protocol !== 'https:') return { ok: false, problem: problem('address_insecure') };
  const token = url.searchParams.get('access_token')?.trim() ?? '';
  if (token === '') return { ok: false, problem: problem('address_no_token') };
  if (!TOKEN.test(token)) return { ok: false, problem: problem('address_invalid', { path: 'access_token' }) };
  const path = known ? '/robot/send' : url.pathname || '/robot/send';
  return {
    ok: true,
    address: { endpoint: `${url.protocol}//${url.host}${path}`, accessToken: token, host: url.host },
  };
}

/** Checks a signing secret's shape (SEC followed by hex); empty means "no signing". */
export function checkSecret(secret: string | undefined): Problem | undefined {
  const s = (secret ?? '').trim();
  if (s === '') return undefined;
  return /^SEC[0-9A-Za-z]{8,}$/.test(s) ? undefined : problem('secret_invalid');
}
