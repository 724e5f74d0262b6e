// What the next new request carries: the oldest alert alone while the robot keeps up, or, when the queue backs
// up, a digest of what waits, paced so that the sends left in the window spread over the rest of it.
import { type DigestEntry, packDigest } from './digest';
import type { OutboxAlert } from './outbox';
import type { DingTalkMessage } from './schema';

export interface BacklogSettings {
  ratePerWindow: number;
  /** Messages per window sent one by one before pacing and digests start. */
  burst: number;
  digest: boolean;
  maxBodyBytes: number;
  keywords?: readonly string[] | undefined;
  digestHeading?: ((count: number) => string) | undefined;
}

export interface BacklogNow {
  now: number;
  /** The oldest alert in the queue. */
  head: OutboxAlert;
  /** How many alerts wait in the queue. */
  waiting: number;
  /** The queue, oldest first (read only for a backlog). */
  waitingAlerts: () => readonly OutboxAlert[];
  /** Sends the limiter allows now (at least 1). */
  available: number;
  /** When the limiter's current window ends. */
  windowEnd: number;
  /** When the last request left (-Infinity if none has). */
  lastSendAt: number;
}

/** Send the `count` oldest alerts as `message` now, or look again at `wait`. */
export type Plan = { wait: number } | { count: number; message: DingTalkMessage };

export function planNext(s: BacklogSettings, q: BacklogNow): Plan {
  const { now, head, waiting, available } = q;
  const free = available - (s.ratePerWindow - s.burst);
  if (!s.digest || waiting <= free) return { count: 1, message: head.message };
  // Backlog: spread the sends left in this window over the rest of it, merging what waits meanwhile.
  const last = Number.isFinite(q.lastSendAt) ? q.lastSendAt : now;
  const pacedAt = last + Math.max(0, q.windowEnd - last) / available;
  const entries: DigestEntry[] = q.waitingAlerts().map((a) => a.entry);
  const budget = Math.floor(((s.maxBodyBytes - 2_500) * available) / waiting);
  const digest = packDigest(entries, {
    maxBytes: s.maxBodyBytes,
    ...(s.keywords ? { keywords: s.keywords } : {}),
    ...(s.digestHeading ? { heading: s.digestHeading } : {}),
    maxEntryBytes: Math.max(160, budget),
  });
  const full = digest.ids.length < waiting;
  if (!full && now < pacedAt) return { wait: pacedAt };
  if (digest.ids.length === 1) return { count: 1, message: head.message };
  return { count: digest.ids.length, message: digest.message };
}
