// The answers DingTalk gives, with both wordings of errmsg that real servers have used (the package must
// classify either). Every failure is HTTP 200 with a JSON body; only errcode 0 is success.

export type Language = 'en' | 'zh';

export type Refusal =
  | 'busy'
  | 'missingParameter'
  | 'tokenMissing'
  | 'signMismatch'
  | 'badTimestamp'
  | 'keyword'
  | 'throttled'
  | 'tooLong'
  | 'unsupportedType'
  | 'contentType'
  | 'needPost';

const MORE = ', more: [https://open.dingtalk.com/document/robots/custom-robot-access]';

const ANSWERS: Record<
  Refusal,
  { errcode: number; en: (detail: string) => string; zh: (detail: string) => string }
> = {
  busy: { errcode: -1, en: () => 'system busy', zh: () => '系统繁忙' },
  missingParameter: {
    errcode: 40035,
    en: (detail) => `missing parameter ${detail}`,
    zh: (detail) => `缺少参数 ${detail}`,
  },
  tokenMissing: { errcode: 300005, en: () => 'token is not exist', zh: () => 'token不存在' },
  signMismatch: { errcode: 310000, en: () => `sign not match${MORE}`, zh: () => `签名不匹配${MORE}` },
  badTimestamp: {
    errcode: 310000,
    en: (detail) => `invalid timestamp ${detail}${MORE}`,
    zh: (detail) => `时间戳无效或已过期 ${detail}${MORE}`,
  },
  keyword: {
    errcode: 310000,
    en: () => `keywords not in content${MORE}`,
    zh: () => `关键词不匹配${MORE}`,
  },
  throttled: {
    errcode: 410100,
    en: () => `send too fast, exceed 20 times per minute${MORE}`,
    zh: () => `发送速度太快而限流${MORE}`,
  },
  tooLong: {
    errcode: 460101,
    en: () => 'message too long, exceed 20000 bytes',
    zh: () => '消息体超过20000字节',
  },
  unsupportedType: {
    errcode: 400105,
    en: (detail) => `unsupported msgtype ${detail}`,
    zh: (detail) => `不支持的消息类型 ${detail}`,
  },
  contentType: {
    errcode: 43004,
    en: () => 'invalid HTTP Content-Type',
    zh: () => '无效的HTTP HTTP Content-Type',
  },
  needPost: { errcode: 43002, en: () => 'POST required', zh: () => '需要POST请求' },
};

export function refusal(kind: Refusal, language: Language, detail = ''): { errcode: number; errmsg: string } {
  const answer = ANSWERS[kind];
  return { errcode: answer.errcode, errmsg: answer[language](detail) };
}
