// One request of a job: its batch written to the outbox first (once), then signed afresh and sent. The
// dispatcher decides what the answer means; here only what leaves and how long it took.
import type { Clock } from '../kernel/clock';
import type { RobotAddress } from './address';
import type { TransportAnswer } from './classify';
import type { Job } from './delivery-queue';
import type { OutboxStore } from './outbox';
import { buildRequestUrl } from './sign';
import type { Transport } from './transport';

export interface RequestContext {
  address: RobotAddress;
  secret: string | undefined;
  transport: Transport;
  store: OutboxStore;
  clock: Clock;
  timeoutMs: number;
  /** The wait before a job whose batch could not be written tries again. */
  retryBaseMs: number;
  /** The dispatcher closed meanwhile: send nothing. */
  closed: () => boolean;
  /** The outbox could not be written. */
  storeFailed: () => void;
}

export interface Sent {
  answer: TransportAnswer;
  /** When it left, on the clock. */
  started: number;
  /** When it left, on the monotonic clock. */
  t0: number;
}

/** Sends one request for `job`; the job counts as sending until it returns. Undefined when none could be sent. */
export async function sendRequest(job: Job, c: RequestContext): Promise<Sent | undefined> {
  try {
    if (!job.persisted) {
      try {
        await c.store.startBatch(job.batch);
        job.persisted = true;
      } catch {
        c.storeFailed();
        job.nextAt = c.clock.now() + c.retryBaseMs;
        return undefined;
      }
    }
    if (c.closed()) return undefined;
    const url = buildRequestUrl(c.address, c.secret, c.clock.now());
    const started = c.clock.now();
    const t0 = performance.now();
    job.attempts++;
    const answer = await c.transport({
      url,
      body: JSON.stringify(job.batch.message),
      timeoutMs: c.timeoutMs,
    });
    return { answer, started, t0 };
  } finally {
    job.sending = false;
  }
}

/** A quick retry's delay: base · 2^(n-1), capped, with ±50% jitter (`random` in [0, 1)). */
export function retryDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const d = Math.min(maxMs, baseMs * 2 ** (retry - 1));
  return Math.round(d * (0.5 + random()));
}
