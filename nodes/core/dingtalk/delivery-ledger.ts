// The dispatcher's books: what the outbox owes (alerts and bytes, the outbox bound), counts in total and per
// sender node, and the final result of each alert as its sender receives it.
import type { Classification } from './classify';
import type { DeliveryResult, SenderCounts } from './dispatcher-contract';
import type { OutboxAlert, OutboxBatch } from './outbox';
import { bodyBytes } from './size';

/** A verdict to settle alerts with: a classified answer, or a reason of the dispatcher's own (expired, closed…). */
export type Verdict = Pick<Classification, 'reason' | 'text'> & Partial<Classification>;

/** The request that carried settled alerts, when one did. */
export interface Carrier {
  batch: OutboxBatch;
  requestMs: number;
}

export class DeliveryLedger {
  readonly totals: SenderCounts = { sent: 0, failed: 0, waiting: 0 };
  private readonly bySender = new Map<string, SenderCounts>();
  /** Bytes of the alerts owed (the outbox bound), and each alert's share. */
  private owed = 0;
  private readonly alertBytes = new Map<string, number>();

  /** Whether one more alert would pass the outbox's bounds. */
  wouldOverflow(alert: OutboxAlert, maxAlerts: number, maxBytes: number): boolean {
    return this.totals.waiting >= maxAlerts || this.owed + bodyBytes(alert) > maxBytes;
  }

  /** Counts an alert the outbox owes (waiting, and its bytes against the bound). */
  owe(alert: OutboxAlert): void {
    const bytes = bodyBytes(alert);
    this.alertBytes.set(alert.id, bytes);
    this.owed += bytes;
    this.count(alert.senderId, 'waiting', 1);
  }

  /** Forgets an alert's bytes (it is settled, or its write failed). */
  unowe(alert: OutboxAlert): void {
    const bytes = this.alertBytes.get(alert.id);
    if (bytes === undefined) return;
    this.alertBytes.delete(alert.id);
    this.owed -= bytes;
  }

  count(senderId: string | undefined, key: keyof SenderCounts, delta: number): void {
    this.totals[key] += delta;
    if (senderId === undefined) return;
    let c = this.bySender.get(senderId);
    if (!c) {
      c = { sent: 0, failed: 0, waiting: 0 };
      this.bySender.set(senderId, c);
    }
    c[key] += delta;
  }

  senderCounts(senderId: string): SenderCounts {
    return { ...(this.bySender.get(senderId) ?? { sent: 0, failed: 0, waiting: 0 }) };
  }

  /** Books one alert of `digestCount` carried together as settled, and returns its result for its sender. */
  settle(
    alert: OutboxAlert,
    digestCount: number,
    verdict: Verdict,
    attempts: number,
    carrier: Carrier | undefined,
    now: number,
  ): DeliveryResult {
    const result = resultFor(alert, digestCount, verdict, attempts, carrier, now);
    this.unowe(alert);
    this.count(alert.senderId, 'waiting', -1);
    this.count(alert.senderId, verdict.outcome === 'ok' ? 'sent' : 'failed', 1);
    return result;
  }
}

function resultFor(
  a: OutboxAlert,
  digestCount: number,
  verdict: Verdict,
  attempts: number,
  carrier: Carrier | undefined,
  now: number,
): DeliveryResult {
  let result: DeliveryResult;
  if (verdict.outcome === 'ok' && carrier) {
    result = {
      status: 'sent',
      id: a.id,
      errcode: verdict.errcode ?? 0,
      attempts,
      latencyMs: Math.max(0, now - a.acceptedAt),
      requestMs: carrier.requestMs,
      msgUuid: carrier.batch.msgUuid,
      digestCount,
      batchId: carrier.batch.id,
    };
    if (verdict.errmsg !== undefined) result.errmsg = verdict.errmsg;
  } else {
    result = {
      status: 'failed',
      id: a.id,
      reason: verdict.reason,
      text: verdict.text,
      attempts,
      digestCount,
      latencyMs: Math.max(0, now - a.acceptedAt),
    };
    if (verdict.errcode !== undefined) result.errcode = verdict.errcode;
    if (verdict.errmsg !== undefined) result.errmsg = verdict.errmsg;
    if (verdict.httpStatus !== undefined) result.httpStatus = verdict.httpStatus;
    if (carrier) result.msgUuid = carrier.batch.msgUuid;
  }
  if (a.senderId !== undefined) result.senderId = a.senderId;
  if (a.context !== undefined) result.context = a.context;
  return result;
}
