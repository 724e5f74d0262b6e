import type {
  DingTalkMessage,
  ManualClock,
  Transport,
  TransportAnswer,
  TransportRequest,
} from '../../../nodes/core/dingtalk';

/** A request the fake DingTalk received. */
export interface Seen {
  at: number;
  url: URL;
  message: DingTalkMessage & { msgUuid?: string };
  bytes: number;
}

export const OK: TransportAnswer = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
export const answer = (errcode: number, errmsg = 'x'): TransportAnswer => ({
  status: 200,
  body: JSON.stringify({ errcode, errmsg }),
});

/**
 * A scripted DingTalk: `reply(request, n)` picks each answer (default ok); a reply of 'hang' never answers.
 * Records every request with the fake clock's time.
 */
export function fakeDingTalk(
  clock: ManualClock,
  reply: (seen: Seen, n: number) => TransportAnswer | 'hang' = () => OK,
): { transport: Transport; seen: Seen[] } {
  const seen: Seen[] = [];
  const transport: Transport = async (req: TransportRequest) => {
    const s: Seen = {
      at: clock.now(),
      url: new URL(req.url),
      message: JSON.parse(req.body) as Seen['message'],
      bytes: Buffer.byteLength(req.body, 'utf8'),
    };
    seen.push(s);
    const r = reply(s, seen.length);
    if (r === 'hang') return new Promise<TransportAnswer>(() => undefined);
    return r;
  };
  return { transport, seen };
}
