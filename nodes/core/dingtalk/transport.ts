import { Agent, request } from 'undici';
import type { TransportAnswer } from './classify';
import { pinnedServerIdentity } from './pins';

/** One POST to DingTalk. */
export interface TransportRequest {
  /** The signed URL (holds the token and signature: never log it). */
  url: string;
  /** The JSON body. */
  body: string;
  timeoutMs: number;
}

/** Sends one request and reports what happened; never throws (errors come back in `error`). */
export type Transport = (request: TransportRequest) => Promise<TransportAnswer>;

/** The undici transport, with `close()` to release its keep-alive sockets. */
export type UndiciTransport = Transport & { close(): Promise<void> };

const MAX_ANSWER_BYTES = 64 * 1024;

export interface UndiciTransportOptions {
  keepAliveTimeoutMs?: number;
  connections?: number;
  /** SPKI sha256 pins (base64, see parsePins): TLS connections must show one of them. None: no pinning. */
  pins?: readonly string[];
  /** Certificate authorities to trust instead of Node's own (a test server, a private gateway). */
  ca?: string | Buffer;
}

/** Strips anything secret-looking from an error text (tokens, signatures, whole URLs). */
function scrub(text: string): string {
  return text
    .replace(/https?:\/\/\S+/g, '<url>')
    .replace(/(access_token|sign|timestamp)=[^&\s]+/g, '$1=…')
    .slice(0, 300);
}

/**
 * The real transport: POST JSON through an undici keep-alive Agent (connections reused across requests),
 * with a whole-request timeout. Answers larger than 64 KiB are cut (DingTalk's are tiny). With pins, every
 * new TLS connection is checked against them after the usual certificate check (a resumed session was
 * checked when it began); a mismatch is reported as error code PIN_MISMATCH_CODE, nothing having been sent.
 */
export function createUndiciTransport(options: UndiciTransportOptions = {}): UndiciTransport {
  const pins = options.pins ?? [];
  const agent = new Agent({
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connections: options.connections ?? 4,
    ...(pins.length > 0 || options.ca
      ? {
          connect: {
            ...(options.ca ? { ca: options.ca } : {}),
            ...(pins.length > 0 ? { checkServerIdentity: pinnedServerIdentity(pins) } : {}),
          },
        }
      : {}),
  });
  const send: Transport = async ({ url, body, timeoutMs }) => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        if (size < MAX_ANSWER_BYTES) chunks.push(buf);
        size += buf.length;
      }
      return {
        status: res.statusCode,
        body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_ANSWER_BYTES),
      };
    } catch (err) {
      const e = err as { code?: unknown; name?: unknown; message?: unknown };
      const code = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'ERROR';
      const timeout =
        signal.aborted ||
        /timeout/i.test(code) ||
        code === 'UND_ERR_HEADERS_TIMEOUT' ||
        code === 'UND_ERR_BODY_TIMEOUT';
      return {
        error: { code, message: scrub(typeof e.message === 'string' ? e.message : String(err)), timeout },
      };
    }
  };
  return Object.assign(send, { close: () => agent.close() });
}
