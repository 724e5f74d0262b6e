import { z } from 'zod';
import { type Problem, problem } from './reasons';

/** The five message types a DingTalk webhook robot accepts. */
export const MESSAGE_TYPES = ['text', 'markdown', 'link', 'actionCard', 'feedCard'] as const;
/** One of the five message types. */
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** DingTalk allows at most this many people mentioned in one message. */
export const MAX_MENTIONS = 50;

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const url = z
  .string()
  .trim()
  .regex(/^(https?|dingtalk):\/\/\S+$/i, 'must be an http(s):// or dingtalk:// link');

/** The `at` block: who is mentioned. */
export const atSchema = z.strictObject({
  atMobiles: z.array(nonEmpty).optional(),
  atUserIds: z.array(nonEmpty).optional(),
  isAtAll: z.boolean().optional(),
});

const common = {
  at: atSchema.optional(),
  /** DingTalk's idempotency key for retries (set by the dispatcher). */
  msgUuid: z.string().min(1).optional(),
};

export const textSchema = z.strictObject({
  msgtype: z.literal('text'),
  text: z.strictObject({ content: nonEmpty }),
  ...common,
});

export const markdownSchema = z.strictObject({
  msgtype: z.literal('markdown'),
  markdown: z.strictObject({ title: nonEmpty, text: nonEmpty }),
  ...common,
});

export const linkSchema = z.strictObject({
  msgtype: z.literal('link'),
  link: z.strictObject({ title: nonEmpty, text: nonEmpty, messageUrl: url, picUrl: url.optional() }),
  ...common,
});

const actionButton = z.strictObject({ title: nonEmpty, actionURL: url });

export const actionCardSchema = z.strictObject({
  msgtype: z.literal('actionCard'),
  actionCard: z
    .strictObject({
      title: nonEmpty,
      text: nonEmpty,
      btnOrientation: z.enum(['0', '1']).optional(),
      singleTitle: nonEmpty.optional(),
      singleURL: url.optional(),
      btns: z.array(actionButton).min(1, 'needs at least one button').optional(),
      hideAvatar: z.enum(['0', '1']).optional(),
    })
    .superRefine((card, ctx) => {
      const single = card.singleTitle !== undefined || card.singleURL !== undefined;
      if (single) {
        if (card.singleTitle === undefined)
          ctx.addIssue({ code: 'custom', path: ['singleTitle'], message: 'is required with singleURL' });
        if (card.singleURL === undefined)
          ctx.addIssue({ code: 'custom', path: ['singleURL'], message: 'is required with singleTitle' });
      } else if (card.btns === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['singleTitle'],
          message: 'needs singleTitle + singleURL or btns',
        });
      }
    }),
  ...common,
});

const feedLink = z.strictObject({ title: nonEmpty, messageURL: url, picURL: url });

export const feedCardSchema = z.strictObject({
  msgtype: z.literal('feedCard'),
  feedCard: z.strictObject({ links: z.array(feedLink).min(1, 'needs at least one link') }),
  ...common,
});

/** Any DingTalk robot message, as sent. */
export const messageSchema = z.discriminatedUnion('msgtype', [
  textSchema,
  markdownSchema,
  linkSchema,
  actionCardSchema,
  feedCardSchema,
]);

/** Mentions block. */
export type At = z.infer<typeof atSchema>;
/** A text message. */
export type TextMessage = z.infer<typeof textSchema>;
/** A markdown message. */
export type MarkdownMessage = z.infer<typeof markdownSchema>;
/** A link message. */
export type LinkMessage = z.infer<typeof linkSchema>;
/** An actionCard message (single button or several). */
export type ActionCardMessage = z.infer<typeof actionCardSchema>;
/** A feedCard message. */
export type FeedCardMessage = z.infer<typeof feedCardSchema>;
/** Any DingTalk robot message body. */
export type DingTalkMessage = z.infer<typeof messageSchema>;

/** Result of validating a message. */
export type MessageResult = { ok: true; message: DingTalkMessage } | { ok: false; problem: Problem };

const CASING_HINTS: Record<string, string> = {
  'link.messageURL': 'messageUrl',
  'link.picURL': 'picUrl',
  'feedCard.links.messageUrl': 'messageURL',
  'feedCard.links.picUrl': 'picURL',
  'actionCard.singleUrl': 'singleURL',
  'actionCard.btns.actionUrl': 'actionURL',
};

/** Formats a zod path as `feedCard.links[0].picURL`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Validates a whole message (e.g. taken from msg.payload). On failure the problem names the first bad field
 * (`path`, e.g. `link.messageUrl`) and says what is wrong (`detail`), with a hint for DingTalk's casing traps.
 */
export function validateMessage(value: unknown): MessageResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      problem: problem('invalid_message', { path: '', detail: 'the message must be an object' }),
    };
  }
  const type = (value as { msgtype?: unknown }).msgtype;
  if (!MESSAGE_TYPES.includes(type as MessageType)) {
    return {
      ok: false,
      problem: problem('invalid_message', {
        path: 'msgtype',
        detail: `msgtype must be one of ${MESSAGE_TYPES.join(', ')}`,
      }),
    };
  }
  const parsed = messageSchema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issues = parsed.error.issues;
  // A missing field next to an unknown one spelt alike (messageURL for messageUrl): report the spelling.
  const misspelt = issues.find(
    (i) =>
      i.code === 'unrecognized_keys' &&
      issues.some(
        (j) =>
          j.code === 'invalid_type' &&
          j.input === undefined &&
          formatPath(j.path.slice(0, -1)) === formatPath(i.path) &&
          i.keys.some((k) => k.toLowerCase() === String(j.path[j.path.length - 1]).toLowerCase()),
      ),
  );
  const issue = misspelt ?? issues[0];
  if (!issue) return { ok: false, problem: problem('invalid_message') };
  let path = formatPath(issue.path);
  let detail = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    path = path === '' ? key : `${path}.${key}`;
    const generic = `${issue.path.filter((k) => typeof k !== 'number').join('.')}.${key}`.replace(/^\./, '');
    const hint = CASING_HINTS[generic];
    detail = hint ? `unknown field ${key}: DingTalk spells it ${hint} here` : `unknown field ${key}`;
  } else if (issue.code === 'invalid_type' && issue.input === undefined) {
    detail = 'is required';
  }
  return { ok: false, problem: problem('invalid_message', { path, detail: `${path} ${detail}`.trim() }) };
}
