// Public API of the DingTalk delivery core (no Node-RED imports). Adapters (dingtalk-robot, dingtalk-send)
// import only from here. Every export is documented in one line; the modules hold the details.

/** Robot address: parse a pasted webhook URL or bare token; host allowlist; secret shape check. */
export {
  type AddressOptions,
  type AddressResult,
  checkSecret,
  DINGTALK_HOSTS,
  parseRobotAddress,
  type RobotAddress,
} from './address';
/** Message building: the node's form config + a Node-RED msg → a DingTalk message body (or a Problem). */
export {
  type BuildResult,
  buildMessage,
  checkSendConfig,
  type MessageTemplate,
  type SendConfig,
  type TemplateButton,
  type TemplateFeedLink,
} from './build';
/** Answer classification: HTTP status + body / network error → ok | retry | throttled | fatal + reason. */
export {
  type Classification,
  classifyAnswer,
  ERRCODES,
  needsOperator,
  type Outcome,
  type TransportAnswer,
} from './classify';
/** Digest packing: merge waiting alerts into markdown messages within the byte limit. */
export {
  type Digest,
  type DigestEntry,
  type DigestOptions,
  digestEntryFor,
  packDigest,
  packDigests,
} from './digest';
/** The per-robot delivery engine (queue, limiter, throttle probes, quick and slow retries, digests, bounded outbox, pipelining). */
export { Dispatcher } from './dispatcher';
/** What the engine is told (options and their defaults) and what it reports (results, counts, status). */
export {
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_SLOW_RETRY_MS,
  type DeliveryResult,
  type DispatcherOptions,
  type DispatcherStatus,
  type FailedResult,
  type SenderCounts,
  type SentResult,
  type SubmitInput,
} from './dispatcher-contract';
/** Per-value escaping used by templates: markdown, plain text (no mentions), URL components. */
export { type EscapeMode, escapeMarkdownValue, escapeTextValue, escapeUrlValue } from './escape';
/** Keyword guard: prefix the first keyword or refuse a message that holds none. */
export { applyKeywordGuard, type KeywordMode, messageText, parseKeywords } from './keywords';
/** Sliding-window rate limiter (one per robot), with the margin for DingTalk counting on arrival. */
export { arrivalMarginMs, SlidingWindowLimiter, type SlidingWindowOptions } from './limiter';
/** Mentions: merge from form and msg, add the `@…` text DingTalk requires, cap at 50. */
export { applyMentions, type Mentions, mentionsFromMsg, mergeMentions, parseMentionList } from './mentions';
/** Durable outbox: the store interface and its local journal-backed implementation. */
export {
  LocalOutbox,
  type LocalOutboxOptions,
  type OutboxAlert,
  type OutboxBatch,
  type OutboxStore,
  type OwedWork,
} from './outbox';
/** Certificate pinning: pins from the robot's form, the TLS check, the mismatch's error code. */
export {
  MIN_PINS,
  PIN_MISMATCH_CODE,
  type PinsResult,
  parsePins,
  pinnedServerIdentity,
  spkiPin,
} from './pins';
/** A robot's recent sends and throttle, kept across redeploys in a small file named by a token digest. */
export { FileRateState, type RateState, type RateStateStore, rateStateFileName } from './rate-state';
/** Stable reason codes with English texts (adapters translate by code). */
export { type Problem, problem, REASONS, type ReasonCode } from './reasons';
/** A dingtalk-robot node's form, credentials and settings.js keys, checked into what its runtime needs. */
export {
  DEFAULT_RATE,
  DEFAULT_SETTINGS,
  type DingtalkSettings,
  hostAllowed,
  MAX_IN_FLIGHT_LIMIT,
  parseRobotConfig,
  type RobotConfig,
  type RobotCredentials,
  type RobotDef,
  type RuntimeSettings,
  runtimeSettings,
} from './robot-config';
/** One robot's running delivery: its dispatcher, outbox file, transport, and results routed to sender nodes. */
export { RobotRuntime, type RobotRuntimeOptions, STATUS_FORWARD_MS } from './robot-runtime';
/** zod schemas for the five message types and whole-message validation naming the first bad field. */
export {
  type ActionCardMessage,
  type At,
  type DingTalkMessage,
  type FeedCardMessage,
  type LinkMessage,
  MAX_MENTIONS,
  type MarkdownMessage,
  MESSAGE_TYPES,
  type MessageResult,
  type MessageType,
  messageSchema,
  type TextMessage,
  validateMessage,
} from './schema';
/** One direct, classified request (the robot's "send test message" button). */
export { type SendOnceOptions, sendOnce } from './send-once';
/** Request signing (加签) and the signed request URL. */
export { buildRequestUrl, type Signature, signTimestamp } from './sign';
/** The 20,000-byte body limit, measured in UTF-8 bytes of the JSON body. */
export { bodyBytes, checkBodySize, MAX_BODY_BYTES } from './size';
/** Mustache rendering over the msg with a per-render escape; template syntax check. */
export { checkTemplate, renderTemplate } from './template';
/** The HTTP transport: an injectable function; the real one uses an undici keep-alive pool. */
export {
  createUndiciTransport,
  type Transport,
  type TransportRequest,
  type UndiciTransport,
  type UndiciTransportOptions,
} from './transport';
