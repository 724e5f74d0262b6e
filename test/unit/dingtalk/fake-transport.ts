import type {
  DingTalkMessage,
  Transport,
  TransportAnswer,
  TransportRequest,
} from '../../../nodes/core/dingtalk';
import type { ManualClock } from '../../support/manual-clock';

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

/** A request held by `manualDingTalk` until the test answers it. */
export interface Held {
  seen: Seen;
  /** Answers this request now (once). */
  answer(answer: TransportAnswer): void;
}

/** The text of a text message, or the title of a markdown one (for naming requests in assertions). */
export function contentOf(seen: Seen): string {
  const m = seen.message;
  if (m.msgtype === 'text') return m.text.content;
  if (m.msgtype === 'markdown') return m.markdown.title;
  return m.msgtype;
}

/**
 * A DingTalk whose answers the test gives, in any order: every request waits in `held` (arrival order) until
 * `answer` is called on it. `peak` is the most requests that were ever waiting for an answer at once.
 */
export function manualDingTalk(clock: ManualClock): {
  transport: Transport;
  seen: Seen[];
  held: Held[];
  /** The held request carrying `content`. */
  take(content: string): Held;
  readonly peak: number;
} {
  const seen: Seen[] = [];
  const held: Held[] = [];
  let peak = 0;
  const transport: Transport = (req: TransportRequest) =>
    new Promise<TransportAnswer>((resolve) => {
      const s: Seen = {
        at: clock.now(),
        url: new URL(req.url),
        message: JSON.parse(req.body) as Seen['message'],
        bytes: Buffer.byteLength(req.body, 'utf8'),
      };
      seen.push(s);
      const h: Held = {
        seen: s,
        answer(a) {
          const i = held.indexOf(h);
          if (i < 0) throw new Error(`already answered: ${contentOf(s)}`);
          held.splice(i, 1);
          resolve(a);
        },
      };
      held.push(h);
      peak = Math.max(peak, held.length);
    });
  return {
    transport,
    seen,
    held,
    take(content) {
      const h = held.find((x) => contentOf(x.seen) === content);
      if (!h) throw new Error(`no request held for ${content}: ${held.map((x) => contentOf(x.seen))}`);
      return h;
    },
    get peak() {
      return peak;
    },
  };
}
