// The answers DingTalk gives, with both wordings of errmsg that real servers have used (the package must
// classify either), and for a wrong signature the one DingTalk sends today. Every failure is HTTP 200 with a
// JSON body; only errcode 0 is success.

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
const SIGN_MISMATCH_NOW =
  'description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳必须都放在调用的网址中，请确认机器人的密钥加密和填写正确;link:请参考本接口对应文档获得具体要求，或者在https://open.dingtalk.com/document/  搜索相关文档;';

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
  // DingTalk has answered a wrong or missing signature this way since 2022, whatever the tenant: the
  // description, then a solution that mentions 时间戳 (an old `sign not match` is classified in unit tests).
  signMismatch: { errcode: 310000, en: () => SIGN_MISMATCH_NOW, zh: () => SIGN_MISMATCH_NOW },
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
