import { type Problem, problem } from './reasons';
import type { DingTalkMessage } from './schema';

/** DingTalk refuses request bodies over this many bytes (UTF-8; errcode 460101). */
export const MAX_BODY_BYTES = 20_000;

/** Bytes the dispatcher adds for msgUuid: `,"msgUuid":"` + a 36-character UUID + `"`. */
export const MSG_UUID_BYTES = 50;

/** UTF-8 size of the JSON body DingTalk will receive (CJK characters count 3 bytes). */
export function bodyBytes(message: DingTalkMessage | object): number {
  return Buffer.byteLength(JSON.stringify(message), 'utf8');
}

/**
 * Checks the body against the limit, leaving room for the msgUuid the dispatcher adds.
 * Undefined when it fits, else a `too_large` problem saying by how much.
 */
export function checkBodySize(message: DingTalkMessage, maxBytes = MAX_BODY_BYTES): Problem | undefined {
  const bytes = bodyBytes(message) + (message.msgUuid === undefined ? MSG_UUID_BYTES : 0);
  if (bytes <= maxBytes) return undefined;
  return problem('too_large', { detail: `${bytes} bytes, the limit is ${maxBytes}` });
}
