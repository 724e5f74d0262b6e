// pos-in: POS webhooks (and events on the input) into Node-RED as canonical POS events. The decisions live
// in the core WebhookReceiver; this adapter mounts the route, moves bytes, answers, sends and shows status.

import { posEventJsonSchemaText } from '../core/events/json-schema';
import { acquireRedis, type RedisLease, RedisUnavailableError } from '../core/redis/connection';
import { type DedupeStore, LocalDedupeStore } from '../core/store/dedupe-store';
import { RedisDedupeStore } from '../core/store/redis-dedupe-store';
import { discardBody, readBody } from '../core/webhook/body-reader';
import { clientAddress } from '../core/webhook/client-address';
import { type Answer, type ErrorCode, reject, WebhookReceiver } from '../core/webhook/receiver';
import { TurnBatcher } from '../core/webhook/turn-batcher';
import { replyJson } from '../shared/http-json';
import { mountGet, mountWebhook, trustProxyOf } from '../shared/http-routes';
import { lifecycle } from '../shared/lifecycle';
import type { HttpRequest, HttpResponse, Node, NodeAPI, NodeMessage, NodeStatus } from '../shared/node-red';
import { resolveCredential } from '../shared/secrets';
import { sharedStoreConfig } from '../shared/shared-store';
import { stateFile } from '../shared/state-files';
import { type PosInCredentials, type PosInDef, parsePosInConfig } from './pos-in-config';

/**
 * A whole body must arrive within this time, so that a trickled body cannot hold a socket open (Square
 * waits 10 s for an answer). settings.js `posInBodyTimeoutMs` changes it (tests shorten it).
 */
const BODY_TIMEOUT_MS = 10_000;

/** A webhook whose body has been read, waiting for its turn's batch to be decided. */
interface Waiting {
  req: HttpRequest;
  res: HttpResponse;
  body: Buffer;
}

function respond(res: HttpResponse, answer: Answer, closeConnection = false): void {
  const headers = 'headers' in answer ? { ...answer.headers } : {};
  replyJson(res, answer.status, answer.body, closeConnection ? { ...headers, Connection: 'close' } : headers);
}

/**
 * Where the webhook lives, and whether it may answer straight from the top of Node-RED's HTTP stack: only
 * when the user has set no httpNodeAuth or httpNodeMiddleware, which then must see the request first.
 */
function webhookOptions(RED: NodeAPI, path: string) {
  const { httpNodeRoot, httpNodeAuth, httpNodeMiddleware } = RED.settings;
  return {
    nodeRoot: typeof httpNodeRoot === 'string' ? httpNodeRoot : '/',
    path,
    direct: !httpNodeAuth && !httpNodeMiddleware,
  };
}

export = function register(RED: NodeAPI) {
  function PosInNode(this: Node<PosInCredentials>, def: PosInDef) {
    RED.nodes.createNode(this, def);
    const life = lifecycle(RED, this);
    const { status } = life;
    const counts = { accepted: 0, rejected: 0, duplicates: 0 };
    let lastRejection: ErrorCode | undefined;
    /** Why the id journal cannot record ids (deliveries are answered 503 meanwhile); each cause logged once. */
    let storeFailure: string | undefined;

    const renderCounts = (): NodeStatus => {
      if (storeFailure) return { fill: 'red', shape: 'ring', text: RED._('pos-in.status.store-failed') };
      const counted = RED._('pos-in.status.counts', counts);
      const text = storeName ? `${counted} · ${storeName}` : counted;
      return lastRejection
        ? { fill: 'yellow', shape: 'dot', text: `${text} · ${RED._(`pos-in.reason.${lastRejection}`)}` }
        : { fill: 'green', shape: 'dot', text };
    };
    const showCounts = () => status.show(renderCounts);
    const noteStoreRecovered = () => {
      if (storeFailure === undefined) return;
      storeFailure = undefined;
      this.log(RED._('pos-in.errors.store-recovered'));
      showCounts();
    };
    const noteStoreFailure = (key: 'state-unreadable' | 'internal' | 'redis-down', err: unknown) => {
      // Redis being away is one failure however its reasons change while it lasts: logged once, and once more
      // when it is back (noteStoreRecovered). Other causes are logged each time the cause changes.
      const cause =
        key === 'redis-down' || err instanceof RedisUnavailableError ? 'redis' : (err as Error).message;
      if (cause !== storeFailure)
        this.error(RED._(`pos-in.errors.${key}`, { detail: (err as Error).message }));
      storeFailure = cause;
      status.show({ fill: 'red', shape: 'ring', text: RED._('pos-in.status.store-failed') });
    };
    const noteRejection = (code: ErrorCode) => {
      counts.rejected++;
      lastRejection = code;
      showCounts();
    };

    const storeConfig = sharedStoreConfig(RED);
    const parsed = parsePosInConfig(def, {
      secret: resolveCredential(RED, this, this.credentials.secret),
      previousSecret: resolveCredential(RED, this, this.credentials.previousSecret),
    });
    const config: typeof parsed =
      storeConfig.kind === 'invalid'
        ? { ok: false, error: 'redis-setting', detail: storeConfig.problem }
        : parsed;

    const configuredTimeout = Number(RED.settings.posInBodyTimeoutMs);
    const bodyTimeoutMs = configuredTimeout > 0 ? configuredTimeout : BODY_TIMEOUT_MS;
    let receiver: WebhookReceiver | undefined;
    let dedupe: DedupeStore | undefined;
    let redis: RedisLease | undefined;
    let unwatchRedis: (() => void) | undefined;
    /** Shown beside the counts when ids are shared through Redis (never its password). */
    let storeName: string | undefined;
    let maxBodyBytes = 0;
    let path = def.path;
    if (config.ok) {
      const settings = config.settings;
      path = settings.path;
      maxBodyBytes = settings.maxBodyBytes;
      if (storeConfig.kind === 'redis') {
        // several instances: ids are claimed in the Redis they share (one script per turn's batch)
        const { keyPrefix, display } = storeConfig.settings;
        redis = acquireRedis(storeConfig.settings);
        dedupe = new RedisDedupeStore({
          connection: redis.connection,
          keyPrefix,
          scope: this.id,
          horizonMs: settings.dedupeHorizonMs,
        });
        storeName = RED._('pos-in.status.redis', { server: display });
      } else {
        // one instance: the journal is read in the background, and claims wait for it. A journal that cannot be
        // read is not replaced by memory alone (duplicates would pass after a restart): deliveries get 503 instead.
        const local = new LocalDedupeStore({
          horizonMs: settings.dedupeHorizonMs,
          file: stateFile(RED, this, 'dedupe.jsonl'),
        });
        local.ready.then(
          ({ skippedLines }) => {
            if (skippedLines > 0) this.warn(RED._('pos-in.errors.state-bad-lines', { count: skippedLines }));
          },
          (err: unknown) => noteStoreFailure('state-unreadable', err),
        );
        dedupe = local;
      }
      receiver = new WebhookReceiver({ ...settings, dedupe });
      const where = path ? path : RED._('pos-in.status.input-only');
      status.show({ fill: 'grey', shape: 'ring', text: storeName ? `${where} · ${storeName}` : where });
      // after the grey start, so that a Redis already away shows red at once and stays so
      unwatchRedis = redis?.connection.watch((state) => {
        if (!state.up && state.reason !== 'connecting')
          noteStoreFailure('redis-down', new Error(state.reason));
        else if (state.up) noteStoreRecovered();
      });
    } else {
      // Deliveries are still answered (503: the POS retries once the node is fixed); messages get done(err).
      life.configError(new Error(RED._(`pos-in.errors.${config.error}`, { detail: config.detail ?? '' })));
    }

    /** Answers before (or instead of) reading the whole body, then lets the client finish sending it. */
    const rejectEarly = (req: HttpRequest, res: HttpResponse, answer: Answer) => {
      noteRejection((answer.body as { error: ErrorCode }).error);
      // A trickling client gets its answer and the connection closed. Others may finish sending (the rest is
      // discarded, within the time limit), so that they can read the answer: closing on a client still
      // writing resets the connection and it would see a network error rather than, say, 413.
      const trickling = answer.status === 408;
      respond(res, answer, trickling);
      if (trickling) req.destroy();
      else discardBody(req, bodyTimeoutMs);
    };

    /** The client's address, forwarded through the proxies Node-RED's "trust proxy" setting trusts. */
    const sourceOf = (req: HttpRequest) =>
      clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxyOf(RED.httpNode));

    /** Everything that needs no body: answered before a byte of it is read. */
    const admit = (req: HttpRequest, res: HttpResponse): boolean => {
      let answer: Answer | undefined;
      if (req.method !== 'POST') {
        answer = reject(405, 'method_not_allowed', 'only POST is accepted here', { Allow: 'POST' });
      } else if (!receiver) {
        const reason = config.ok
          ? ''
          : RED._(`pos-in.errors.${config.error}`, { detail: config.detail ?? '' });
        answer = reject(503, 'unavailable', `this webhook is not configured: ${reason}`);
      } else {
        answer = receiver.admit(req.headers, sourceOf(req));
      }
      if (answer) rejectEarly(req, res, answer);
      return answer === undefined;
    };

    /** The body, capped in size and time. */
    async function readRaw(req: HttpRequest, res: HttpResponse): Promise<Buffer | undefined> {
      const read = await readBody(req, maxBodyBytes, bodyTimeoutMs);
      if (read.ok) return read.body;
      if (read.status !== 0) rejectEarly(req, res, reject(read.status, read.error, read.detail));
      return undefined;
    }

    /** Decides a turn's worth of deliveries, answers them back to back, then sends the accepted events. */
    const answerAll = async (batch: Waiting[]): Promise<void> => {
      if (!receiver) throw new Error(RED._('pos-in.errors.not-configured'));
      const answers = await receiver.receiveAll(
        batch.map(({ req, body }) => ({ headers: req.headers, body, source: sourceOf(req) })),
      );
      // recorded again (a batch of refusals alone never reached the store, so it proves nothing)
      if (answers.some((answer) => answer.status === 200)) noteStoreRecovered();
      const accepted: NodeMessage[] = [];
      batch.forEach(({ res }, i) => {
        const answer = answers[i] as Answer;
        answerSafely(res, answer);
        if ('accepted' in answer && answer.accepted) {
          const { event, pos } = answer.accepted;
          counts.accepted++;
          accepted.push({ payload: event, topic: event.event, pos });
        } else if (answer.status === 200) {
          counts.duplicates++;
        } else {
          noteRejection((answer.body as { error: ErrorCode }).error);
        }
      });
      showCounts();
      // one send per event: each gets its own _msgid, and a single wire needs no clone
      for (const msg of accepted) this.send(msg);
    };

    /** A failed answer (the connection went, middleware answered first) must not cost the batch its events. */
    const answerSafely = (res: HttpResponse, answer: Answer, closeConnection = false) => {
      try {
        respond(res, answer, closeConnection);
      } catch (err) {
        this.warn(RED._('pos-in.errors.answer-failed', { detail: (err as Error).message }));
      }
    };

    /** 503 to each delivery not answered yet: the POS retries later. */
    const unavailable = (responses: HttpResponse[], detail: string, closeConnection = false) => {
      for (const res of responses) {
        if (!res.headersSent) answerSafely(res, reject(503, 'unavailable', detail), closeConnection);
      }
    };

    // Something failed on our side (recording the ids on a full disk, say): the POS must retry.
    const internalFailure = (err: unknown, responses: HttpResponse[]) => {
      noteStoreFailure('internal', err);
      unavailable(responses, 'the event could not be recorded; retry', true);
    };

    // Once the node is closing (redeploy, stop), waiting deliveries are refused rather than accepted into a
    // flow that is stopping: nothing is claimed, so the POS's retry reaches the new node as a new event.
    let closing = false;
    const batcher = new TurnBatcher<Waiting>((batch) => {
      const responses = batch.map(({ res }) => res);
      if (closing) return unavailable(responses, 'this webhook is restarting; retry');
      answerAll(batch).catch((err: unknown) => internalFailure(err, responses));
    });

    let unmount: (() => void) | undefined;
    if (path) {
      try {
        unmount = mountWebhook(RED.httpNode, webhookOptions(RED, path), {
          admit,
          readBody: (req, res) =>
            readRaw(req, res).catch((err: unknown) => {
              internalFailure(err, [res]);
              return undefined;
            }),
          handle: (req, res, body) => batcher.push({ req, res, body }),
        });
      } catch {
        const message = RED._('pos-in.errors.path-in-use', { path });
        this.error(message);
        status.show({ fill: 'red', shape: 'ring', text: message });
      }
    }
    // the event contract for the POS integrator, next to the webhook it describes
    const unmountSchema = path
      ? mountGet(RED.httpNode, `${path}/schema.json`, (_req, res) =>
          res
            .writeHead(200, { 'Content-Type': 'application/schema+json; charset=utf-8' })
            .end(posEventJsonSchemaText()),
        )
      : undefined;

    life.onInput(async (msg, send) => {
      if (!receiver) throw new Error(RED._('pos-in.errors.not-configured'));
      const result = await receiver.accept(msg.payload);
      if (!result.ok) {
        noteRejection('invalid_event');
        throw new Error(RED._('pos-in.errors.invalid-event', { detail: result.detail }));
      }
      if (!result.accepted) {
        counts.duplicates++;
        showCounts();
        return;
      }
      counts.accepted++;
      showCounts();
      msg.payload = result.accepted.event;
      msg.topic = result.accepted.event.event;
      msg.pos = result.accepted.pos;
      send(msg);
    });

    life.onClose(
      () => {
        closing = true;
        unwatchRedis?.();
        unmount?.();
        unmountSchema?.();
        batcher.drain();
      },
      () => dedupe?.close(),
      () => redis?.release(),
    );
  }

  RED.nodes.registerType('pos-in', PosInNode, {
    credentials: { secret: { type: 'password' }, previousSecret: { type: 'password' } },
  });
};
