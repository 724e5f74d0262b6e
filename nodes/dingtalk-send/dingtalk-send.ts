// dingtalk-send: builds a DingTalk robot message from the node's templates (or takes msg.payload whole),
// hands it to the robot's shared dispatcher, and reports the final result: output 1 when DingTalk accepted it,
// output 2 (and done(err), for Catch nodes) when it failed for good. The queue, the limiter, retries, digests
// and the durable outbox live in the core Dispatcher that the dingtalk-robot config node owns.
import { randomUUID } from 'node:crypto';
import {
  buildMessage,
  type DeliveryResult,
  type DispatcherStatus,
  type KeywordMode,
  needsOperator,
  type SendConfig,
} from '../core/dingtalk/index';
import type { RobotNode } from '../dingtalk-robot/robot-node';
import { lifecycle } from '../shared/lifecycle';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus, SendFunction } from '../shared/node-red';
import { type SendDef, sendConfigFrom } from './send-config';

/** The part of a msg kept in the outbox, so that a result after a restart still reaches the outputs. */
interface Context {
  msgid?: string;
  topic?: string;
  payload?: unknown;
}

const MAX_CONTEXT_PAYLOAD = 16 * 1024;
const CLOSED = Symbol('closed');

function contextOf(msg: NodeMessage): Context {
  const context: Context = {};
  if (typeof msg._msgid === 'string') context.msgid = msg._msgid;
  if (typeof msg.topic === 'string') context.topic = msg.topic;
  if (msg.payload !== undefined) {
    try {
      const text = JSON.stringify(msg.payload);
      if (text !== undefined && text.length <= MAX_CONTEXT_PAYLOAD) context.payload = msg.payload;
    } catch {
      // not serialisable (a stream, a cycle): the recovered msg carries no payload
    }
  }
  return context;
}

function clock(ms: number): string {
  const date = new Date(ms);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

export = function register(RED: NodeAPI) {
  /** A reason code in the runtime's language, with the safe detail the core gave. */
  const say = (code: string, detail?: string) => {
    const text = RED._(`dingtalk-send.reason.${code}`);
    return detail ? `${text} (${detail})` : text;
  };

  function DingtalkSendNode(this: Node, def: SendDef & NodeDef) {
    RED.nodes.createNode(this, def);
    const life = lifecycle(RED, this);
    const { status } = life;
    const robotNode = def.robot ? (RED.nodes.getNode(def.robot) as RobotNode | null) : null;
    const handle = robotNode?.dingtalk;
    const runtime = handle?.runtime;

    let problem: { code: string; text: string } | undefined;
    let sendConfig: SendConfig | undefined;
    if (!robotNode || !handle) {
      problem = { code: 'no_robot', text: RED._('dingtalk-send.errors.no-robot') };
    } else if (!runtime) {
      const code = handle.problem?.code ?? 'address_empty';
      problem = { code, text: say(code, handle.problem?.detail) };
    } else {
      const robot: { keywords: readonly string[]; keywordMode: KeywordMode } = runtime;
      const { config, problems } = sendConfigFrom(def, robot);
      const [first] = problems;
      if (first) problem = { code: first.code, text: say(first.code, first.detail) };
      else sendConfig = config;
    }

    const waiters = new Map<string, (result: DeliveryResult | typeof CLOSED) => void>();
    let refused = 0;
    let lastFailed: string | undefined;

    /** The status, rendered (locale lookups) only when the throttled reporter actually shows it. */
    const renderStatus = (robotStatus?: DispatcherStatus): NodeStatus | undefined => {
      if (!runtime) return undefined;
      const counts = runtime.dispatcher.senderCounts(this.id);
      const state = robotStatus ?? runtime.dispatcher.status();
      const failed = counts.failed + refused;
      let text = RED._('dingtalk-send.status.counts', { sent: counts.sent, waiting: counts.waiting, failed });
      let shown: NodeStatus;
      if (state.throttledUntil) {
        text += ` · ${RED._('dingtalk-send.status.throttled', { time: clock(state.throttledUntil) })}`;
        shown = { fill: 'yellow', shape: 'ring', text };
      } else if (state.outage) {
        const problem = state.lastProblem?.reason ?? 'network_error';
        text += ` · ${RED._('dingtalk-send.status.outage', { reason: say(problem), time: clock(state.outage.nextTryAt) })}`;
        // red when only the operator can end the wait (a certificate pin mismatch)
        shown = { fill: needsOperator(problem) ? 'red' : 'yellow', shape: 'ring', text };
      } else if (counts.waiting > 0 && state.retryAt && state.lastProblem) {
        text += ` · ${RED._('dingtalk-send.status.retrying', { reason: say(state.lastProblem.reason) })}`;
        // red when only the operator can end the wait (a certificate pin mismatch)
        shown = { fill: needsOperator(state.lastProblem.reason) ? 'red' : 'yellow', shape: 'dot', text };
      } else if (lastFailed) {
        shown = { fill: 'red', shape: 'dot', text: `${text} · ${lastFailed}` };
      } else if (counts.waiting > 0) {
        shown = { fill: 'blue', shape: 'dot', text };
      } else if (counts.sent + failed === 0) {
        shown = { fill: 'grey', shape: 'ring', text: RED._('dingtalk-send.status.ready') };
      } else {
        shown = { fill: 'green', shape: 'dot', text };
      }
      return shown;
    };
    /** A failure shows at once (red); counts and waiting states are shown at most twice a second. */
    const showStatus = (robotStatus?: DispatcherStatus, failure = false) => {
      if (!runtime) return;
      if (failure) {
        const shown = renderStatus(robotStatus);
        if (shown) status.show(shown);
      } else {
        status.show(() => renderStatus(robotStatus) ?? {});
      }
    };

    /** msg.dingtalk for a final result. */
    const describe = (result: DeliveryResult): Record<string, unknown> => {
      if (result.status === 'sent') {
        return {
          status: 'sent',
          id: result.id,
          errcode: result.errcode,
          ...(result.errmsg === undefined ? {} : { errmsg: result.errmsg }),
          attempts: result.attempts,
          latencyMs: result.latencyMs,
          requestMs: result.requestMs,
          msgUuid: result.msgUuid,
          digestCount: result.digestCount,
        };
      }
      return {
        status: 'failed',
        id: result.id,
        reason: result.reason,
        error: say(result.reason),
        ...(result.errcode === undefined ? {} : { errcode: result.errcode }),
        ...(result.errmsg === undefined ? {} : { errmsg: result.errmsg }),
        ...(result.httpStatus === undefined ? {} : { httpStatus: result.httpStatus }),
        attempts: result.attempts,
        ...(result.msgUuid === undefined ? {} : { msgUuid: result.msgUuid }),
        digestCount: result.digestCount,
        latencyMs: result.latencyMs,
      };
    };

    const noteResult = (result: DeliveryResult) => {
      lastFailed = result.status === 'failed' ? say(result.reason) : undefined;
    };

    /** A result whose msg is gone (the node or Node-RED restarted): rebuilt from the outbox context. */
    const recovered = (result: DeliveryResult) => {
      noteResult(result);
      const context = (result.context ?? {}) as Context;
      const msg: NodeMessage = { _msgid: context.msgid ?? randomUUID() };
      if (context.topic !== undefined) msg.topic = context.topic;
      if (context.payload !== undefined) msg.payload = context.payload;
      msg.dingtalk = { ...describe(result), recovered: true };
      if (result.status === 'sent') {
        this.send([msg, null]);
      } else {
        this.send([null, msg]);
        this.error(say(result.reason), msg);
      }
      showStatus();
    };

    const detach = runtime?.attach(
      this.id,
      (result) => {
        const waiter = waiters.get(result.id);
        if (!waiter) {
          recovered(result);
          return;
        }
        waiters.delete(result.id);
        waiter(result);
      },
      (robotStatus) => showStatus(robotStatus),
    );

    /** Output 2 for a message refused before it reached the queue. */
    const report = (msg: NodeMessage, send: SendFunction, code: string, text: string, path?: string) => {
      refused++;
      lastFailed = text;
      msg.dingtalk = { status: 'failed', reason: code, error: text, attempts: 0, ...(path ? { path } : {}) };
      send([null, msg]);
      if (runtime) showStatus(undefined, true);
      else status.show({ fill: 'red', shape: 'ring', text });
    };
    /** Output 2 and done(err). */
    const refuse = (
      msg: NodeMessage,
      send: SendFunction,
      code: string,
      text: string,
      path?: string,
    ): never => {
      report(msg, send, code, text, path);
      throw new Error(text);
    };

    if (problem) {
      const { code, text } = problem;
      // each message is still reported on output 2: the node's documented failure contract
      life.configError(new Error(text), { refused: (msg, send) => report(msg, send, code, text) });
    } else {
      showStatus();
    }

    life.onInput(async (msg, send) => {
      if (!runtime || !sendConfig) return; // never: a node without them has a configError, which answers
      const built = buildMessage(sendConfig, msg);
      if (!built.ok) {
        return refuse(
          msg,
          send,
          built.problem.code,
          say(built.problem.code, built.problem.detail),
          built.problem.path,
        );
      }
      for (const warning of built.warnings) this.warn(say(warning.code, warning.detail));
      const id = randomUUID();
      const settled = new Promise<DeliveryResult | typeof CLOSED>((resolve) => waiters.set(id, resolve));
      try {
        await runtime.dispatcher.submit({
          message: built.message,
          senderId: this.id,
          id,
          context: contextOf(msg),
        });
      } catch (err) {
        waiters.delete(id);
        return refuse(
          msg,
          send,
          'store_error',
          say('store_error', err instanceof Error ? err.message : String(err)),
        );
      }
      const result = await settled;
      // Closed first: the alert stays in the outbox and its result reaches the node that takes over.
      if (result === CLOSED) return;
      noteResult(result);
      msg.dingtalk = describe(result);
      if (result.status === 'sent') {
        send([msg, null]);
        showStatus();
        return;
      }
      send([null, msg]);
      showStatus(undefined, true);
      throw new Error(say(result.reason));
    });

    life.onClose(() => {
      detach?.();
      for (const resolve of waiters.values()) resolve(CLOSED);
      waiters.clear();
    });
  }

  RED.nodes.registerType('dingtalk-send', DingtalkSendNode);
};
