// The robot's "send test message" button: an admin endpoint (POST /dingtalk-robot/test, guarded by the
// dingtalk-robot.write permission) that sends one message with the deployed robot's settings or with the
// unsaved values of the open form, and answers with DingTalk's verdict as a reason code the editor translates
// ("signature mismatch: check the secret", "keyword missing", "token does not exist", "DingTalk's certificate
// matches none of the robot's pins"). Only a dingtalk-robot node's id is accepted. Never echoes a secret.
import {
  applyKeywordGuard,
  createUndiciTransport,
  type DingTalkMessage,
  type DingtalkSettings,
  parseKeywords,
  parseRobotConfig,
  runtimeSettings,
  sendOnce,
  type Transport,
} from '../core/dingtalk/index';
import { replyJson } from '../shared/http-json';
import type { HttpHandler, HttpRequest, HttpResponse, Node, NodeAPI } from '../shared/node-red';
import { resolveCredential } from '../shared/secrets';
import type { RobotNode } from './robot-node';

/** The editor shows a password credential that is saved but unchanged as this placeholder. */
const UNCHANGED = '__PWRD__';
const MAX_TEXT = 500;

export interface TestAnswer {
  ok: boolean;
  /** A core reason code (`sign_mismatch`, `keyword_missing`, …) or `rate_busy` / `throttled` from the robot. */
  reason: string;
  detail?: string;
  errcode?: number;
  errmsg?: string;
  httpStatus?: number;
  requestMs?: number;
  /** The host the message went to (never the token). */
  host?: string;
  /** When the robot may send again (rate_busy, throttled). */
  until?: number;
}

type TestRequest = {
  id?: unknown;
  webhook?: unknown;
  secret?: unknown;
  keywords?: unknown;
  pins?: unknown;
  text?: unknown;
};

export function testMessageHandler(
  RED: NodeAPI,
  newTransport: (options: { pins: readonly string[] }) => Transport & {
    close?: () => Promise<void>;
  } = createUndiciTransport,
): HttpHandler {
  async function run(body: TestRequest, id: string, deployed: RobotNode | null): Promise<TestAnswer> {
    // Unsaved form values win; a password field left unchanged falls back to the deployed credentials.
    const pick = (given: unknown, saved: string | undefined) =>
      typeof given === 'string' && given !== UNCHANGED ? given : (saved ?? '');
    const envNode =
      deployed ?? ({ id: id || 'dingtalk-robot-test', type: 'dingtalk-robot' } as unknown as Node);
    const webhook = resolveCredential(RED, envNode, pick(body.webhook, deployed?.credentials.webhook));
    const secret = resolveCredential(RED, envNode, pick(body.secret, deployed?.credentials.secret));
    const keywords =
      typeof body.keywords === 'string' ? body.keywords : (deployed?.dingtalk?.keywordsText ?? '');
    const settings = runtimeSettings(RED.settings as DingtalkSettings);
    const pins = typeof body.pins === 'string' ? body.pins : (deployed?.dingtalk?.pinsText ?? '');
    const config = parseRobotConfig({ keywords, pins }, { webhook, secret }, settings);
    if (!config.address || config.problem) {
      const problem: { code: string; detail?: string } = config.problem ?? { code: 'address_empty' };
      return { ok: false, reason: problem.code, ...(problem.detail ? { detail: problem.detail } : {}) };
    }
    const address = config.address;

    // The test message counts against DingTalk's limit like any other: when it goes to the deployed robot,
    // take a slot from that robot's limiter (or say when one frees up) instead of risking a throttle.
    const runtime = deployed?.dingtalk?.runtime;
    if (runtime && runtime.address.accessToken === address.accessToken) {
      const now = Date.now();
      const status = runtime.dispatcher.status();
      if (status.throttledUntil) return { ok: false, reason: 'throttled', until: status.throttledUntil };
      if (!runtime.dispatcher.limiter.tryTake(now)) {
        return { ok: false, reason: 'rate_busy', until: runtime.dispatcher.limiter.nextFreeAt(now) };
      }
    }

    const text =
      typeof body.text === 'string' && body.text.trim() !== ''
        ? body.text.trim().slice(0, MAX_TEXT)
        : 'Test message from Node-RED: this robot works.';
    const plain: DingTalkMessage = { msgtype: 'text', text: { content: text } };
    const guarded = applyKeywordGuard(plain, parseKeywords(keywords), 'prefix');
    const message = guarded.ok ? guarded.message : plain;
    const transport = newTransport({ pins: config.pins });
    try {
      const verdict = await sendOnce({
        address,
        ...(config.secret ? { secret: config.secret } : {}),
        transport,
        message,
        timeoutMs: settings.timeoutMs,
      });
      const answer: TestAnswer = {
        ok: verdict.outcome === 'ok',
        reason: verdict.reason,
        requestMs: Math.round(verdict.requestMs),
        host: address.host,
      };
      if (verdict.errcode !== undefined) answer.errcode = verdict.errcode;
      if (verdict.errmsg !== undefined) answer.errmsg = verdict.errmsg;
      if (verdict.httpStatus !== undefined) answer.httpStatus = verdict.httpStatus;
      return answer;
    } finally {
      await transport.close?.();
    }
  }

  return (req: HttpRequest, res: HttpResponse) => {
    const body = (req as HttpRequest & { body?: unknown }).body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      replyJson(res, 400, { error: 'invalid_request', detail: 'send a JSON object' });
      return;
    }
    const request = body as TestRequest;
    const id = typeof request.id === 'string' ? request.id : '';
    const deployed = id ? (RED.nodes.getNode(id) as RobotNode | null) : null;
    // Only a robot's own credentials may be used: another node's id would lend its secrets to this request.
    if (deployed && deployed.type !== 'dingtalk-robot') {
      replyJson(res, 400, { error: 'not_a_robot', detail: `node ${id} is not a dingtalk-robot node` });
      return;
    }
    run(request, id, deployed).then(
      (answer) => replyJson(res, 200, answer),
      (err: unknown) =>
        replyJson(res, 500, { error: 'internal', detail: err instanceof Error ? err.message : String(err) }),
    );
  };
}
