// What a robot's dispatcher is told (its options, with their defaults) and what it reports: each alert's final
// result, per-sender counts and the robot's status. The Dispatcher (dispatcher.ts) is the engine behind them.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../kernel/clock';
import type { RobotAddress } from './address';
import type { OutboxStore } from './outbox';
import type { RateStateStore } from './rate-state';
import type { ReasonCode } from './reasons';
import type { DingTalkMessage } from './schema';
import { MAX_BODY_BYTES } from './size';
import type { Transport } from './transport';

/** Settings of one robot's dispatcher. Only address and transport are required. */
export interface DispatcherOptions {
  address: RobotAddress;
  /** The SEC… signing secret; every request is signed afresh when set. */
  secret?: string;
  transport: Transport;
  /** The outbox (default: in memory, not durable). */
  store?: OutboxStore;
  clock?: Clock;
  /** Random in [0, 1) for backoff jitter (default Math.random). */
  random?: () => number;
  /** Messages per window (default 20). */
  ratePerWindow?: number;
  /** Window length in ms (default 60,000). */
  windowMs?: number;
  /** Messages per window sent one by one before backlog pacing and digests start (default half the rate). */
  burst?: number;
  /**
   * While DingTalk throttles the robot, the wait before each probe: one request that tells whether DingTalk
   * has let go (default 60,000 ms). A refused probe waits again; it never restarts a fixed pause.
   */
  throttlePauseMs?: number;
  /** Quick retries after the first attempt, for retryable outcomes only (default 3). */
  retries?: number;
  /** First retry delay (default 500 ms), doubling each time, ±50% jitter. */
  retryBaseMs?: number;
  /** Cap on one retry delay (default 30,000 ms). */
  retryMaxMs?: number;
  /** Per-request timeout (default 10,000 ms). */
  timeoutMs?: number;
  /**
   * After the quick retries, the waits between tries while requests keep failing (default 1, 5 and 30
   * minutes; the last repeats). Meanwhile the robot tries one request at a time and the rest wait.
   */
  slowRetryMs?: readonly number[];
  /** An alert not delivered this long after it was accepted fails with `expired` (default 24 hours). */
  maxAgeMs?: number;
  /** Alerts the outbox may owe at once; past it a new alert fails at once with `outbox_full` (default 10,000). */
  maxOutboxAlerts?: number;
  /** Bytes of alerts the outbox may owe at once; past it as for maxOutboxAlerts (default 64 MiB). */
  maxOutboxBytes?: number;
  /** Keeps the robot's recent sends and a throttle in force across redeploys (default: memory only). */
  rateState?: RateStateStore;
  /** The robot's keywords: digests carry the first in their heading. */
  keywords?: readonly string[];
  /** The digest heading for `count` alerts (default "`count` alerts"). */
  digestHeading?: (count: number) => string;
  /** Merge a backlog into digests (default true); false sends every alert alone at the rate. */
  digest?: boolean;
  maxBodyBytes?: number;
  /**
   * Requests one robot may have out at once, waiting for DingTalk's answer or for their retry (default 4).
   * See DEFAULT_MAX_IN_FLIGHT; 1 sends strictly one after another.
   */
  maxInFlight?: number;
  /** How long close() waits for the requests in flight (default 2,000 ms). */
  closeGraceMs?: number;
  /** Id factory for alerts, batches and msgUuid (default crypto.randomUUID). */
  newId?: () => string;
}

/** One alert handed to the dispatcher. */
export interface SubmitInput {
  message: DingTalkMessage;
  /** The dingtalk-send node that accepted it (its results are tagged with this). */
  senderId?: string;
  /** JSON-serialisable data the adapter wants back with the result (kept in the outbox). */
  context?: unknown;
  /** The alert id (default a new UUID). */
  id?: string;
}

/** An alert DingTalk accepted (output 1). */
export interface SentResult {
  status: 'sent';
  id: string;
  senderId?: string;
  context?: unknown;
  errcode: number;
  errmsg?: string;
  /** HTTP requests made for the message that carried it. */
  attempts: number;
  /** From acceptance to DingTalk's answer. */
  latencyMs: number;
  /** The last request's round trip. */
  requestMs: number;
  msgUuid: string;
  /** How many alerts the message carried (1 unless it was a digest). */
  digestCount: number;
  batchId: string;
}

/** An alert that failed for good (output 2). */
export interface FailedResult {
  status: 'failed';
  id: string;
  senderId?: string;
  context?: unknown;
  reason: ReasonCode;
  /** The reason in plain English (adapters translate `reason`). */
  text: string;
  errcode?: number;
  errmsg?: string;
  httpStatus?: number;
  attempts: number;
  msgUuid?: string;
  digestCount: number;
  /** From acceptance to the final answer. */
  latencyMs: number;
}

/** The final result of one accepted alert. */
export type DeliveryResult = SentResult | FailedResult;

/** Per-sender counters. */
export interface SenderCounts {
  sent: number;
  failed: number;
  /** Accepted, not yet settled (queued or in flight). */
  waiting: number;
}

/** A robot's state for status displays. */
export interface DispatcherStatus extends SenderCounts {
  /** Alerts in requests now in flight or awaiting retry. */
  inFlight: number;
  /** Requests now out, waiting for DingTalk's answer (at most maxInFlight). */
  requestsInFlight: number;
  /** Set while DingTalk throttles the robot: when the next probe leaves (ms since epoch). */
  throttledUntil?: number;
  /** Set while requests keep failing after their quick retries: since when, and when the next try leaves. */
  outage?: { since: number; nextTryAt: number };
  /** Set while a message waits to be retried: the earliest retry. */
  retryAt?: number;
  /** The last failure (refusal or retryable error), for status text. */
  lastProblem?: { reason: ReasonCode; text: string; at: number };
  /** Messages sent within the current window, and the limit. */
  windowUsed: number;
  limit: number;
}

/**
 * Requests one robot may have out at once (the dispatcher's `maxInFlight` default).
 *
 * Why 4: with one request out, a robot sends at most one message per round trip (tens of milliseconds to
 * oapi.dingtalk.com over the internet, against well under one on loopback), and a burst of up to `burst`
 * alerts (sent one by one before digests start) trickles out each behind the other's answer. Four requests out cover that round trip for any raised
 * limit a deployment is likely to use, and let Node-RED's own message handling, not the wait for answers,
 * set the pace on loopback. It is kept small on purpose: it is how many requests a throttling DingTalk can
 * refuse at once (each is put back, none is lost), how far apart messages can arrive from the order they
 * left, and it matches the transport's keep-alive connections (the robot adapter opens one per request in
 * flight), so no request waits for a socket behind another. At DingTalk's real 20 a minute the limiter sets
 * the pace and the value makes no difference.
 */
export const DEFAULT_MAX_IN_FLIGHT = 4;

/** The slow schedule after the quick retries: 1, 5, then every 30 minutes. */
export const DEFAULT_SLOW_RETRY_MS: readonly number[] = [60_000, 300_000, 1_800_000];

/** The options the engine reads, with their defaults applied (the injected parts stay on DispatcherOptions). */
export type DispatcherSettings = Required<
  Omit<
    DispatcherOptions,
    'secret' | 'store' | 'clock' | 'keywords' | 'digestHeading' | 'address' | 'transport' | 'rateState'
  >
>;

/** Applies the defaults (and the bounds: at least one message per window, one request in flight). */
export function dispatcherSettings(options: DispatcherOptions): DispatcherSettings {
  const rate = Math.max(1, Math.floor(options.ratePerWindow ?? 20));
  return {
    random: options.random ?? Math.random,
    ratePerWindow: rate,
    windowMs: options.windowMs ?? 60_000,
    burst: Math.min(rate, Math.max(1, Math.floor(options.burst ?? rate / 2))),
    throttlePauseMs: options.throttlePauseMs ?? 60_000,
    retries: Math.max(0, options.retries ?? 3),
    retryBaseMs: options.retryBaseMs ?? 500,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    timeoutMs: options.timeoutMs ?? 10_000,
    slowRetryMs: options.slowRetryMs?.length ? options.slowRetryMs : DEFAULT_SLOW_RETRY_MS,
    maxAgeMs: options.maxAgeMs ?? 86_400_000,
    maxOutboxAlerts: options.maxOutboxAlerts ?? 10_000,
    maxOutboxBytes: options.maxOutboxBytes ?? 64 * 1024 * 1024,
    digest: options.digest ?? true,
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    maxInFlight: Math.max(1, Math.floor(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT) || 1),
    closeGraceMs: options.closeGraceMs ?? 2_000,
    newId: options.newId ?? randomUUID,
  };
}
