// low-stock: stock levels in, one alert per crossing below a threshold out, restocked on recovery, and a
// digest of everything low. The decisions live in the core StockMonitor; this adapter reads messages, keeps
// the state in the node's context (handing it to its successor on a redeploy), runs the digest schedule,
// sends, and shows status.
import { systemClock } from '../core/kernel/clock';
import { ContextStockStateStore } from '../core/stock/context-state-store';
import { rowsFromCsv } from '../core/stock/csv';
import { type Problem, StockError } from '../core/stock/errors';
import { type StockDigest, StockMonitor, type StockOutput } from '../core/stock/monitor';
import { readingFrom, readingsFrom } from '../core/stock/reading';
import { DailyTimer } from '../core/stock/schedule';
import type { StockState } from '../core/stock/state';
import type { ThresholdRowInput } from '../core/stock/threshold-input';
import { ThresholdTable, tableUpdateFrom } from '../core/stock/thresholds';
import { replyJson } from '../shared/http-json';
import { onInput } from '../shared/input-handler';
import type { DoneFunction, HttpRequest, Node, NodeAPI, NodeMessage, SendFunction } from '../shared/node-red';
import { StatusReporter } from '../shared/status';
import { type LowStockDef, parseLowStockConfig } from './low-stock-config';

/**
 * States a closing node hands to the node that replaces it on a redeploy. Node-RED deletes a node's context
 * when it stops unless a context store is configured in settings.js, so without this a redeploy would forget
 * every alert (and alert again). Keyed by node id; removed nodes take theirs with them.
 */
const handover = new Map<string, StockState[]>();

type Port = 0 | 1 | 2;
const CONTROL_TOPICS = { thresholds: 'thresholds', digest: 'digest' } as const;

export = function register(RED: NodeAPI) {
  const describe = (problem: Problem) => RED._(`low-stock.errors.${problem.code}`, problem.params);
  const toError = (err: unknown): Error =>
    err instanceof StockError
      ? Object.assign(new Error(describe(err)), { code: err.code })
      : err instanceof Error
        ? err
        : new Error(String(err));

  function LowStockNode(this: Node, def: LowStockDef) {
    RED.nodes.createNode(this, def);
    const status = new StatusReporter(this);
    const config = parseLowStockConfig(def);

    if (!config.ok) {
      const first = config.problems[0];
      const message = RED._('low-stock.errors.config', {
        detail: first ? describe(first) : '',
        count: config.problems.length,
      });
      this.error(message);
      status.show({ fill: 'red', shape: 'ring', text: message });
      onInput(this, async () => {
        throw new Error(message);
      });
      this.on('close', (_removed, done) => {
        status.close();
        done();
      });
      return;
    }

    const settings = config.settings;
    const store = new ContextStockStateStore(this.context(), settings.contextStore);
    let showingError = false;

    const showCounts = () => {
      const { waiting, low, out } = monitor.counts();
      const parts: string[] = [];
      if (out) parts.push(RED._('low-stock.status.out', { count: out }));
      if (low) parts.push(RED._('low-stock.status.low', { count: low }));
      if (waiting) parts.push(RED._('low-stock.status.waiting', { count: waiting }));
      showingError = false;
      status.show(
        parts.length === 0
          ? { fill: 'green', shape: 'dot', text: RED._('low-stock.status.ok') }
          : { fill: 'yellow', shape: out ? 'dot' : 'ring', text: parts.join(' · ') },
      );
    };
    const showError = (err: Error) => {
      showingError = true;
      status.show({ fill: 'red', shape: 'ring', text: err.message.slice(0, 80) });
    };

    const monitor = new StockMonitor({
      table: settings.table,
      delayMs: settings.delayMs,
      reminderMs: settings.reminderMs,
      store,
      zone: settings.zone,
      onOutput: (output) => {
        const ports: (NodeMessage | null)[] = [null, null, null];
        ports[portOf(output)] = { topic: output.topic, payload: output.payload };
        this.send(ports);
      },
      onError: (err) => {
        const error = toError(err);
        const message =
          err instanceof StockError
            ? error.message
            : RED._('low-stock.errors.state-save', { detail: error.message });
        this.error(message);
        showError(new Error(message));
      },
      onChange: showCounts,
    });

    let digestTimer: DailyTimer | undefined;
    const digestMessage = (digest: StockDigest, base: NodeMessage = {}): NodeMessage => {
      base.topic = 'stock.digest';
      base.payload = digest;
      return base;
    };

    status.show({ fill: 'grey', shape: 'ring', text: RED._('low-stock.status.loading') });
    let loaded = false;
    const handed = handover.get(this.id);
    handover.delete(this.id);
    const ready = monitor
      .start(handed)
      .catch((err: unknown) => {
        const message = RED._('low-stock.errors.state-load', { detail: toError(err).message });
        this.error(message);
      })
      .then(() => {
        loaded = true;
        showCounts();
        if (settings.digestTimes.length > 0) {
          digestTimer = new DailyTimer(settings.digestTimes, settings.zone, systemClock, () => {
            const digest = monitor.digest();
            if (digest.count > 0 || settings.digestEmpty) this.send([null, null, digestMessage(digest)]);
          });
          digestTimer.start();
        }
      });

    const applyTable = (payload: unknown) => {
      const update = tableUpdateFrom(payload);
      const current = monitor.thresholds;
      const rows: ThresholdRowInput[] = update.rows ?? current.rows.map((row) => ({ ...row }));
      const defaults =
        update.defaults === undefined
          ? current.defaults
          : update.defaults === null
            ? undefined
            : update.defaults;
      const built = ThresholdTable.build(rows, defaults);
      if (!built.ok) {
        const first = built.problems[0];
        throw new Error(
          RED._('low-stock.errors.table-rejected', {
            count: built.problems.length,
            detail: first ? describe(first) : '',
          }),
        );
      }
      monitor.setTable(built.table);
      showCounts();
    };

    /** One message, decided synchronously (the monitor's work is synchronous; state is written behind it). */
    const handle = (msg: NodeMessage, send: SendFunction): void => {
      const payload = msg.payload;
      if (Object.hasOwn(msg, 'reset')) {
        const sku =
          typeof msg.sku === 'string' ? msg.sku : msg.topic && msg.topic !== 'reset' ? msg.topic : undefined;
        monitor.reset({ storeId: typeof msg.storeId === 'string' ? msg.storeId : undefined, sku });
        showCounts();
        return;
      }
      if (typeof payload !== 'number' && msg.topic === CONTROL_TOPICS.thresholds) {
        applyTable(payload);
        return;
      }
      if (typeof payload !== 'number' && msg.topic === CONTROL_TOPICS.digest) {
        const storeId = typeof msg.storeId === 'string' ? msg.storeId : undefined;
        send([null, null, digestMessage(monitor.digest({ storeId }), msg)]);
        return;
      }

      if (!Array.isArray(payload)) {
        const reading = readingFrom(payload, msg);
        if (!reading) return; // a POS event of another type
        const result = monitor.evaluate(reading);
        if (result.output) {
          const ports: (NodeMessage | null)[] = [null, null, null];
          msg.topic = result.output.topic;
          msg.payload = result.output.payload;
          ports[portOf(result.output)] = msg;
          send(ports);
        }
        if (result.changed || showingError) showCounts();
        return;
      }
      // A stock count: many levels in one message, each decided on its own.
      const { readings } = readingsFrom(payload, msg);
      const ports: NodeMessage[][] = [[], [], []];
      const errors: Error[] = [];
      let changed = false;
      for (const reading of readings) {
        try {
          const result = monitor.evaluate(reading);
          changed ||= result.changed;
          if (result.output) {
            ports[portOf(result.output)]?.push({
              ...msg,
              topic: result.output.topic,
              payload: result.output.payload,
            });
          }
        } catch (err) {
          errors.push(toError(err));
        }
      }
      if (ports.some((messages) => messages.length > 0)) send(ports);
      if (changed || showingError) showCounts();
      const first = errors[0];
      if (first) {
        throw errors.length === 1
          ? first
          : new Error(RED._('low-stock.errors.several', { count: errors.length, detail: first.message }));
      }
    };

    const run = (msg: NodeMessage, send: SendFunction, done: DoneFunction): void => {
      try {
        handle(msg, send);
        done();
      } catch (err) {
        const error = toError(err);
        showError(error);
        done(error);
      }
    };

    // Like onInput (three parameters, done(err) for a Catch node, never a throw), but synchronous once the
    // state is loaded: a promise per message would cost more than the decision itself.
    this.on('input', (msg: NodeMessage, send: SendFunction, done: DoneFunction) => {
      if (loaded) run(msg, send, done);
      else void ready.then(() => run(msg, send, done));
    });

    this.on('close', (removed, done) => {
      digestTimer?.close();
      status.close();
      ready
        .then(async () => {
          monitor.close();
          if (removed) handover.delete(this.id);
          else handover.set(this.id, monitor.snapshot());
          await store.close();
        })
        .catch((err: unknown) =>
          this.error(RED._('low-stock.errors.state-save', { detail: toError(err).message })),
        )
        .finally(() => done());
    });
  }

  RED.nodes.registerType('low-stock', LowStockNode);

  // The editor's "paste CSV": the same parser and checks as at run time, so the form and the runtime agree.
  RED.httpAdmin.post('/low-stock/csv', RED.auth.needsPermission('low-stock.write'), (req, res) => {
    const body = (req as HttpRequest & { body?: { csv?: unknown } }).body;
    const csv = typeof body?.csv === 'string' ? body.csv : '';
    const parsed = rowsFromCsv(csv);
    let problems = parsed.problems;
    let rows: unknown[] = [];
    if (problems.length === 0) {
      const built = ThresholdTable.build(parsed.rows);
      if (built.ok) rows = built.table.rows.map((row) => ({ ...row, rearm: row.rearm ?? '' }));
      else problems = built.problems;
    }
    replyJson(res, 200, { rows, problems });
  });
};

const portOf = (output: StockOutput): Port => (output.port === 'alert' ? 0 : 1);
