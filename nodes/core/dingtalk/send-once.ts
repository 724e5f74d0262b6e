import { type Clock, systemClock } from '../kernel/clock';
import type { RobotAddress } from './address';
import { type Classification, classifyAnswer } from './classify';
import type { DingTalkMessage } from './schema';
import { buildRequestUrl } from './sign';
import type { Transport } from './transport';

/** What one direct request needs: for the robot config node's "send test message" button. */
export interface SendOnceOptions {
  address: RobotAddress;
  secret?: string;
  transport: Transport;
  message: DingTalkMessage;
  clock?: Clock;
  timeoutMs?: number;
}

/**
 * Sends one message now, bypassing queue, limiter and outbox, and returns DingTalk's answer classified
 * (`reason` / `text` in plain words: "signature mismatch: check the secret", "token does not exist", …).
 */
export async function sendOnce(options: SendOnceOptions): Promise<Classification & { requestMs: number }> {
  const clock = options.clock ?? systemClock;
  const url = buildRequestUrl(options.address, options.secret, clock.now());
  const t0 = performance.now();
  const answer = await options.transport({
    url,
    body: JSON.stringify(options.message),
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  return { ...classifyAnswer(answer), requestMs: performance.now() - t0 };
}
