import type { IncomingMessage } from 'node:http';

/**
 * Deadlines of the reads under way, checked by one timer that runs only while there are any: a timer per
 * request would cost as much as reading a small body. A read times out up to SWEEP_MS after its limit.
 */
const deadlines = new Map<() => void, number>();
// a monotonic clock: a wall-clock step must not stretch or cut short every read under way
const clock = () => performance.now();
const SWEEP_MS = 100;
let sweeper: NodeJS.Timeout | undefined;

function sweep(): void {
  const now = clock();
  for (const [expire, deadline] of deadlines) {
    if (deadline <= now) {
      deadlines.delete(expire);
      expire();
    }
  }
  if (deadlines.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

function watchDeadline(expire: () => void, timeoutMs: number): void {
  deadlines.set(expire, clock() + timeoutMs);
  sweeper ??= setInterval(sweep, SWEEP_MS);
}

export type BodyRead =
  | { ok: true; body: Buffer }
  | { ok: false; status: 413 | 408; error: 'payload_too_large' | 'request_timeout'; detail: string }
  | { ok: false; status: 0; error: 'aborted'; detail: string };

/**
 * Reads a request body up to `maxBytes`, enforcing the cap while reading (not after) and a time limit for the
 * whole body, so that neither a huge nor a trickled body can hold memory or a socket.
 */
export function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.resolve(tooLarge(maxBytes));
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyRead) => {
      if (settled) return;
      settled = true;
      deadlines.delete(expire);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('aborted', onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(tooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () =>
      finish({ ok: true, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) });
    const onAbort = () => finish({ ok: false, status: 0, error: 'aborted', detail: 'the client went away' });
    const expire = () =>
      finish({
        ok: false,
        status: 408,
        error: 'request_timeout',
        detail: `the body did not arrive within ${Math.round(timeoutMs / 1000)} s`,
      });
    watchDeadline(expire, timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('aborted', onAbort);
  });
}

function tooLarge(maxBytes: number): BodyRead {
  return {
    ok: false,
    status: 413,
    error: 'payload_too_large',
    detail: `the body is larger than ${maxBytes} bytes`,
  };
}

/** Reads and drops the rest of a body already answered; a client still sending after `timeoutMs` is cut off. */
export function discardBody(req: IncomingMessage, timeoutMs: number): void {
  if (req.readableEnded) return;
  const timer = setTimeout(() => req.destroy(), timeoutMs);
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}
