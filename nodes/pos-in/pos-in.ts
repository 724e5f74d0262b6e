// pos-in: POS webhooks (and events on the input) into Node-RED as canonical POS events. The decisions live
// in the core WebhookReceiver; this adapter mounts the route, moves bytes, answers, sends and shows status.

import { LocalDedupeStore } from '../core/store/dedupe-store';
import { readBody } from '../core/webhook/body-reader';
import { type Answer, type ErrorCode, reject, WebhookReceiver } from '../core/webhook/receiver';
import { mountRoute } from '../shared/http-routes';
import { onInput } from '../shared/input-handler';
import type { HttpRequest, HttpResponse, Node, NodeAPI, NodeMessage } from '../shared/node-red';
import { resolveCredential } from '../shared/secrets';
import { stateFile } from '../shared/state-files';
import { StatusReporter } from '../shared/status';
import { type PosInCredentials, type PosInDef, parsePosInConfig } from './pos-in-config';

/** A whole body must arrive within this time: a trickled body cannot hold a socket open (Square waits 10 s). */
const BODY_TIMEOUT_MS = 10_000;

function respond(res: HttpResponse, answer: Answer, closeConnection = false): void {
  const body = JSON.stringify(answer.body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...('headers' in answer ? answer.headers : {}),
  };
  if (closeConnection) headers.Connection = 'close';
  res.writeHead(answer.status, headers);
  res.end(body);
}

export = function register(RED: NodeAPI) {
  function PosInNode(this: Node<PosInCredentials>, def: PosInDef) {
    RED.nodes.createNode(this, def);
    const status = new StatusReporter(this);
    const counts = { accepted: 0, rejected: 0, duplicates: 0 };
    let lastRejection: ErrorCode | undefined;

    const showCounts = () => {
      const text = RED._('pos-in.status.counts', counts);
      status.show(
        lastRejection
          ? { fill: 'yellow', shape: 'dot', text: `${text} · ${RED._(`pos-in.reason.${lastRejection}`)}` }
          : { fill: 'green', shape: 'dot', text },
      );
    };
    const noteRejection = (code: ErrorCode) => {
      counts.rejected++;
      lastRejection = code;
      showCounts();
    };

    const config = parsePosInConfig(def, {
      secret: resolveCredential(RED, this, this.credentials.secret),
      previousSecret: resolveCredential(RED, this, this.credentials.previousSecret),
    });

    let receiver: WebhookReceiver | undefined;
    let dedupe: LocalDedupeStore | undefined;
    let maxBodyBytes = 0;
    let path = def.path;
    if (config.ok) {
      const settings = config.settings;
      path = settings.path;
      maxBodyBytes = settings.maxBodyBytes;
      try {
        dedupe = new LocalDedupeStore({
          horizonMs: settings.dedupeHorizonMs,
          file: stateFile(RED, this, 'dedupe.jsonl'),
        });
      } catch (err) {
        this.error(RED._('pos-in.errors.state-unreadable', { detail: (err as Error).message }));
        dedupe = new LocalDedupeStore({ horizonMs: settings.dedupeHorizonMs });
      }
      receiver = new WebhookReceiver({ ...settings, dedupe });
      status.show({ fill: 'grey', shape: 'ring', text: path ? path : RED._('pos-in.status.input-only') });
    } else {
      const message = RED._(`pos-in.errors.${config.error}`, { detail: config.detail ?? '' });
      this.error(message);
      status.show({ fill: 'red', shape: 'ring', text: message });
    }

    const emit = (msg: NodeMessage) => {
      counts.accepted++;
      showCounts();
      this.send(msg);
    };

    async function handle(req: HttpRequest, res: HttpResponse): Promise<void> {
      if (req.method !== 'POST') {
        respond(
          res,
          reject(405, 'method_not_allowed', 'only POST is accepted here', { Allow: 'POST' }),
          true,
        );
        return;
      }
      if (!receiver) {
        const reason = config.ok
          ? ''
          : RED._(`pos-in.errors.${config.error}`, { detail: config.detail ?? '' });
        respond(res, reject(503, 'unavailable', `this webhook is not configured: ${reason}`), true);
        return;
      }
      const early = receiver.admit(req.headers, req.socket.remoteAddress);
      if (early) {
        noteRejection((early.body as { error: ErrorCode }).error);
        respond(res, early, true);
        return;
      }
      const read = await readBody(req, maxBodyBytes, BODY_TIMEOUT_MS);
      if (!read.ok) {
        if (read.status === 0) return;
        noteRejection(read.error);
        respond(res, reject(read.status, read.error, read.detail), true);
        return;
      }
      const answer = await receiver.receive(req.headers, read.body);
      respond(res, answer);
      if ('accepted' in answer && answer.accepted) {
        const { event, pos } = answer.accepted;
        emit({ payload: event, topic: event.event, pos });
      } else if (answer.status === 200) {
        counts.duplicates++;
        showCounts();
      } else {
        noteRejection((answer.body as { error: ErrorCode }).error);
      }
    }

    let unmount: (() => void) | undefined;
    if (path) {
      try {
        unmount = mountRoute(RED.httpNode, path, (req, res) => {
          handle(req, res).catch((err: unknown) => {
            // Recording the event failed (for instance a full disk): the POS must retry, so answer 503.
            this.error(RED._('pos-in.errors.internal', { detail: (err as Error).message }));
            if (!res.headersSent)
              respond(res, reject(503, 'unavailable', 'the event could not be recorded; retry'), true);
          });
        });
      } catch {
        const message = RED._('pos-in.errors.path-in-use', { path });
        this.error(message);
        status.show({ fill: 'red', shape: 'ring', text: message });
      }
    }

    onInput(this, async (msg, send) => {
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

    this.on('close', (_removed, done) => {
      unmount?.();
      status.close();
      (dedupe ? dedupe.close() : Promise.resolve()).then(done, done);
    });
  }

  RED.nodes.registerType('pos-in', PosInNode, {
    credentials: { secret: { type: 'password' }, previousSecret: { type: 'password' } },
  });
};
