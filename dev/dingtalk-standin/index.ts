// A local stand-in for DingTalk's custom-robot webhook (POST /robot/send), for tests, benchmarks and the demo.
// It checks what DingTalk checks (access token, timestamp window and signature, content type, the 20,000-byte
// limit, message shapes, keywords, 20 messages per minute then a throttle), answers as DingTalk answers (HTTP
// 200 with errcode/errmsg), can inject faults, and records every message it accepted. A page at / shows those
// messages the way a DingTalk group does; /api/* lets another process (the demo, an e2e test) drive it.
//
//   const standin = await start({ token: 't', secret: 'SEC…', windowMs: 2000 });
//   standin.webhookUrl()                      // http://127.0.0.1:<port>/robot/send?access_token=t
//   standin.inject({ kind: 'http-status', status: 503 }, 2);
//   await standin.waitForMessages(10);
//   await standin.close();
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Language, type Refusal, refusal } from './errors';
import { hasKeyword, type Mentions, type MessageType, type ValidMessage, validateMessage } from './messages';
import { page } from './page';
import { RobotRate } from './rate';
import { renderMessage } from './render';
import { checkSignature } from './signature';

export { checkSignature, expectedSignature, TIMESTAMP_WINDOW_MS } from './signature';

/** DingTalk refuses a body over this many bytes (UTF-8) with errcode 460101. */
export const MAX_BODY_BYTES = 20_000;
const READ_LIMIT = 1024 * 1024;

export interface RobotSpec {
  token: string;
  /** The SEC… signing secret; without one the robot does not check signatures. */
  secret?: string;
  /** Custom keywords: a message must show at least one. */
  keywords?: string[];
  /** A display name for the web page. */
  name?: string;
}

export interface StandInOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Loopback by default: the stand-in is not meant to face a network. */
  host?: string;
  /** The first robot's access token (random when omitted). */
  token?: string;
  secret?: string;
  keywords?: string[];
  name?: string;
  /** More robots on the same stand-in, each with its own limit. */
  robots?: RobotSpec[];
  /** Messages accepted per window before the robot is throttled (DingTalk: 20). */
  ratePerMinute?: number;
  /** The sliding window of the limit (DingTalk: 60,000 ms); tests shorten it. */
  windowMs?: number;
  /** How long a robot stays throttled once over the limit (DingTalk: 10 minutes). */
  throttleMs?: number;
  /** Which of DingTalk's errmsg wordings to answer with. */
  language?: Language;
  /** The server clock (tests inject one). */
  now?: () => number;
  /** How many answers `answers` keeps (the oldest are dropped); counts are kept in full. */
  keepAnswers?: number;
}

export type Fault =
  /** Answers with this HTTP status (5xx, 429…) and a non-JSON body, accepting nothing. */
  | { kind: 'http-status'; status: number; body?: string }
  /** Answers HTTP 200 with this errcode (e.g. -1 "system busy"), accepting nothing. */
  | { kind: 'errcode'; errcode: number; errmsg?: string }
  /** Waits this long, then handles the request normally. */
  | { kind: 'slow'; delayMs: number }
  /** Destroys the connection without an answer, accepting nothing. */
  | { kind: 'drop' }
  /** Accepts (and records) the message, then destroys the connection: the answer is lost in transit. */
  | { kind: 'drop-after-accept' }
  /** Answers HTTP 200 with an HTML body, accepting nothing. */
  | { kind: 'not-json' };

export interface AcceptedMessage {
  seq: number;
  /** The robot's access token. */
  robot: string;
  robotName: string;
  receivedAt: number;
  msgtype: MessageType;
  /** The request body as received (parsed). */
  body: Record<string, unknown>;
  bytes: number;
  msgUuid?: string;
  mentions: Mentions;
  /** True when a message with the same msgUuid had been accepted before (a duplicate delivery). */
  repeat: boolean;
}

export interface Answer {
  at: number;
  robot?: string;
  httpStatus: number;
  errcode?: number;
  errmsg?: string;
  fault?: Fault['kind'];
}

interface Robot {
  spec: Required<Pick<RobotSpec, 'token' | 'keywords' | 'name'>> & { secret?: string };
  rate: RobotRate;
}

type Json = Record<string, unknown>;

export class StandIn extends EventEmitter {
  /** Every message accepted, oldest first. */
  readonly messages: AcceptedMessage[] = [];
  /** The latest answers (up to `keepAnswers`), oldest first. */
  readonly answers: Answer[] = [];
  private readonly counts = new Map<string, number>();
  private readonly robots = new Map<string, Robot>();
  private readonly faults: Fault[] = [];
  private readonly seenUuids = new Set<string>();
  private readonly server: Server;
  private readonly now: () => number;
  private readonly language: Language;
  private readonly keepAnswers: number;
  private seq = 0;
  private boundPort = 0;
  private listening = false;

  constructor(private readonly options: StandInOptions = {}) {
    super();
    this.now = options.now ?? Date.now;
    this.language = options.language ?? 'en';
    this.keepAnswers = options.keepAnswers ?? 10_000;
    const specs: RobotSpec[] = [
      {
        token: options.token ?? randomBytes(16).toString('hex'),
        ...(options.secret === undefined ? {} : { secret: options.secret }),
        keywords: options.keywords ?? [],
        name: options.name ?? 'Robot',
      },
      ...(options.robots ?? []),
    ];
    for (const spec of specs) this.addRobot(spec);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.json(res, 500, { errcode: -1, errmsg: String(err) });
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 30_000;
  }

  /** Adds (or replaces) a robot. */
  addRobot(spec: RobotSpec): void {
    const rate = new RobotRate({
      limit: this.options.ratePerMinute ?? 20,
      windowMs: this.options.windowMs ?? 60_000,
      throttleMs: this.options.throttleMs ?? 600_000,
    });
    const robot: Robot = {
      spec: {
        token: spec.token,
        keywords: spec.keywords ?? [],
        name: spec.name ?? `Robot ${this.robots.size + 1}`,
        ...(spec.secret === undefined ? {} : { secret: spec.secret }),
      },
      rate,
    };
    this.robots.set(spec.token, robot);
  }

  get port(): number {
    return this.boundPort;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** The base URL (the page is at `${url}/`). */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.boundPort}`;
  }

  /** The first robot's token (or its secret) as configured. */
  get token(): string {
    return [...this.robots.keys()][0] as string;
  }

  get secret(): string | undefined {
    return this.robots.get(this.token)?.spec.secret;
  }

  /** The webhook URL a user would paste, for the first robot or the one with `token`. */
  webhookUrl(token = this.token): string {
    return `${this.url}/robot/send?access_token=${encodeURIComponent(token)}`;
  }

  /** The host:port a robot config must be allowed to use (DingTalk's own hosts need no allowance). */
  get hostPort(): string {
    return new URL(this.url).host;
  }

  /** Queues a fault for the next `times` requests to /robot/send (in order, one per request). */
  inject(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  get pendingFaults(): number {
    return this.faults.length;
  }

  /** How many answers carried each errcode (`http-<status>` for non-JSON answers, `dropped` for drops). */
  answerCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** When the robot's throttle ends, or undefined when it is not throttled. */
  throttledUntil(token = this.token): number | undefined {
    return this.robots.get(token)?.rate.throttledAt(this.now());
  }

  /** Resolves once at least `count` messages have been accepted in total. */
  waitForMessages(count: number, timeoutMs = 60_000): Promise<AcceptedMessage[]> {
    if (this.messages.length >= count) return Promise.resolve(this.messages.slice());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('accepted', onAccepted);
        reject(
          new Error(`the stand-in accepted ${this.messages.length} of ${count} messages in ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const onAccepted = () => {
        if (this.messages.length < count) return;
        clearTimeout(timer);
        this.off('accepted', onAccepted);
        resolve(this.messages.slice());
      };
      this.on('accepted', onAccepted);
    });
  }

  /** Forgets messages, answers, faults and every robot's rate state. */
  reset(): void {
    this.messages.length = 0;
    this.answers.length = 0;
    this.counts.clear();
    this.faults.length = 0;
    this.seenUuids.clear();
    this.seq = 0;
    for (const robot of this.robots.values()) robot.rate.reset();
  }

  /** Starts listening (on the configured port, or on the port it had before `down()`). */
  async up(): Promise<void> {
    if (this.listening) return;
    const port = this.boundPort || this.options.port || 0;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    this.listening = true;
  }

  /** Stops listening and cuts every connection: DingTalk unreachable. Records and state are kept. */
  async down(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  async close(): Promise<void> {
    await this.down();
    this.removeAllListeners();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (url.pathname === '/robot/send') return this.robotSend(req, res, url);
    if (url.pathname === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page());
      return;
    }
    if (url.pathname.startsWith('/api/')) return this.control(req, res, url);
    this.json(res, 404, { error: 'not_found', detail: `no route ${req.method} ${url.pathname}` });
  }

  private async robotSend(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const fault = this.faults.shift();
    if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    const body = await readBody(req);
    const at = this.now();
    if (fault?.kind === 'drop') return this.drop(res, at, fault.kind);
    if (fault?.kind === 'http-status') {
      res.writeHead(fault.status, { 'content-type': 'text/html' });
      res.end(fault.body ?? `<html><body><h1>${fault.status}</h1></body></html>`);
      return this.record({ at, httpStatus: fault.status, fault: fault.kind });
    }
    if (fault?.kind === 'not-json') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway</body></html>');
      return this.record({ at, httpStatus: 200, fault: fault.kind });
    }
    if (fault?.kind === 'errcode') {
      const errmsg = fault.errmsg ?? (fault.errcode === -1 ? refusal('busy', this.language).errmsg : 'error');
      return this.answer(res, { at, errcode: fault.errcode, errmsg, fault: fault.kind });
    }

    const refuse = (kind: Refusal, robot?: string, detail?: string) =>
      this.answer(res, { at, ...refusal(kind, this.language, detail), ...(robot ? { robot } : {}) });

    if (req.method !== 'POST') return refuse('needPost');
    const token = url.searchParams.get('access_token');
    if (!token) return refuse('missingParameter', undefined, 'access_token');
    const robot = this.robots.get(token);
    if (!robot) return refuse('tokenMissing');
    if (robot.spec.secret !== undefined) {
      const timestamp = url.searchParams.get('timestamp');
      const verdict = checkSignature(robot.spec.secret, timestamp, url.searchParams.get('sign'), at);
      if (!verdict.ok) {
        return verdict.reason === 'timestamp'
          ? refuse('badTimestamp', token, timestamp ?? '')
          : refuse('signMismatch', token);
      }
    }
    if (robot.rate.throttledAt(at) !== undefined) return refuse('throttled', token);
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      return refuse('contentType', token);
    }
    if (body === undefined || body.length > MAX_BODY_BYTES) return refuse('tooLong', token);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse('missingParameter', token, 'json');
    }
    const validation = validateMessage(parsed);
    if (!validation.ok) {
      return validation.kind === 'unsupported'
        ? refuse('unsupportedType', token, validation.detail)
        : refuse('missingParameter', token, validation.detail);
    }
    if (!hasKeyword(validation.message, robot.spec.keywords)) return refuse('keyword', token);
    if (!robot.rate.admit(at)) return refuse('throttled', token);

    this.accept(robot, validation.message, parsed as Json, body.length, at);
    if (fault?.kind === 'drop-after-accept') return this.drop(res, at, fault.kind, token);
    return this.answer(res, { at, robot: token, errcode: 0, errmsg: 'ok' });
  }

  private accept(robot: Robot, message: ValidMessage, body: Json, bytes: number, at: number): void {
    const repeat = message.msgUuid !== undefined && this.seenUuids.has(message.msgUuid);
    if (message.msgUuid !== undefined) this.seenUuids.add(message.msgUuid);
    const accepted: AcceptedMessage = {
      seq: ++this.seq,
      robot: robot.spec.token,
      robotName: robot.spec.name,
      receivedAt: at,
      msgtype: message.msgtype,
      body,
      bytes,
      mentions: message.mentions,
      repeat,
      ...(message.msgUuid === undefined ? {} : { msgUuid: message.msgUuid }),
    };
    this.messages.push(accepted);
    this.emit('accepted', accepted);
  }

  private answer(
    res: ServerResponse,
    answer: { at: number; errcode: number; errmsg: string; robot?: string; fault?: Fault['kind'] },
  ): void {
    this.json(res, 200, { errcode: answer.errcode, errmsg: answer.errmsg });
    this.record({ ...answer, httpStatus: 200 });
  }

  private drop(res: ServerResponse, at: number, fault: Fault['kind'], robot?: string): void {
    res.socket?.destroy();
    res.destroy();
    this.record({ at, httpStatus: 0, fault, ...(robot ? { robot } : {}) });
  }

  private record(answer: Answer): void {
    const key =
      answer.errcode !== undefined
        ? String(answer.errcode)
        : answer.httpStatus === 0
          ? 'dropped'
          : `http-${answer.httpStatus}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.answers.push(answer);
    if (this.answers.length > this.keepAnswers)
      this.answers.splice(0, this.answers.length - this.keepAnswers);
    this.emit('answer', answer);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  /** /api/*: the page's feed and remote control for other processes. */
  private async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /api/messages') {
      const after = Number(url.searchParams.get('after') ?? 0) || 0;
      const messages = this.messages
        .filter((message) => message.seq > after)
        .slice(-200)
        .map((message) => ({ ...message, robot: mask(message.robot), html: renderAccepted(message) }));
      return this.json(res, 200, { messages, stats: this.stats() });
    }
    if (route === 'GET /api/stats') return this.json(res, 200, this.stats());
    if (route === 'POST /api/faults') {
      const body = await readBody(req);
      try {
        const { times, ...fault } = JSON.parse(body?.toString('utf8') ?? '') as Fault & { times?: number };
        this.inject(fault as Fault, typeof times === 'number' ? times : 1);
      } catch {
        return this.json(res, 400, { error: 'invalid_json', detail: 'send {"kind": …, "times": n}' });
      }
      return this.json(res, 200, { pendingFaults: this.faults.length });
    }
    if (route === 'DELETE /api/faults') {
      this.clearFaults();
      return this.json(res, 200, { pendingFaults: 0 });
    }
    if (route === 'POST /api/reset') {
      this.reset();
      return this.json(res, 200, { ok: true });
    }
    this.json(res, 404, { error: 'not_found', detail: `no route ${route}` });
  }

  private stats(): Json {
    return {
      accepted: this.messages.length,
      answers: this.answerCounts(),
      pendingFaults: this.faults.length,
      robots: [...this.robots.values()].map((robot) => ({
        name: robot.spec.name,
        token: mask(robot.spec.token),
        signed: robot.spec.secret !== undefined,
        keywords: robot.spec.keywords,
        throttledUntil: robot.rate.throttledAt(this.now()) ?? null,
      })),
    };
  }
}

function renderAccepted(message: AcceptedMessage): string {
  const validation = validateMessage(message.body);
  return validation.ok ? renderMessage(validation.message) : '';
}

/** Tokens are shown by their last four characters only. */
function mask(token: string): string {
  return token.length <= 4 ? '…' : `…${token.slice(-4)}`;
}

/** The whole body, or undefined when it exceeds the read limit (the rest is discarded). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > READ_LIMIT) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts a stand-in on loopback (a free port unless `port` is given). */
export async function start(options: StandInOptions = {}): Promise<StandIn> {
  const standin = new StandIn(options);
  await standin.up();
  return standin;
}
