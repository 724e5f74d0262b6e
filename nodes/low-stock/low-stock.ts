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
import { lifecycle } from '../shared/lifecycle';
import type { HttpRequest, Node, NodeAPI, NodeMessage, SendFunction } from '../shared/node-red';
import { type LowStockDef, parseLowStockConfig } from './low-stock-config';

type Port = 0 | 1 | 2;
const CONTROL_TOPICS = { thresholds: 'thresholds', digest: 'digest' } as const;

export = function register(RED: NodeAPI) {
  function LowStockNode(this: Node, def: LowStockDef) {
    RED.nodes.createNode(this, def);
    const life = lifecycle(RED, this);
    const { status } = life;
    const describe = (problem: Problem) => life.describe(new StockError(problem.code, problem.params));
    const config = parseLowStockConfig(def);

    if (!config.ok) {
      const first = config.problems[0];
      const message = RED._('low-stock.errors.config', {
        detail: first ? describe(first) : '',
        count: config.problems.length,
      });
      life.configError(new Error(message));
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
        const error = life.toError(err);
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
    const handed = life.takeHandover<StockState[]>();
    const ready = monitor
      .start(handed)
      .catch((err: unknown) => {
        const message = RED._('low-stock.errors.state-load', { detail: life.describe(err) });
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
          errors.push(life.toError(err));
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

    const run = (msg: NodeMessage, send: SendFunction): void => {
      try {
        handle(msg, send);
      } catch (err) {
        const error = life.toError(err);
        showError(error);
        throw error;
      }
    };

    // Synchronous once the state is loaded: a promise per message would cost more than the decision itself.
    life.onInput((msg, send) => (loaded ? run(msg, send) : ready.then(() => run(msg, send))));

    life.onClose(
      () => digestTimer?.close(),
      async (removed) => {
        await ready;
        try {
          monitor.close();
          life.handOver(removed, monitor.snapshot());
          await store.close();
        } catch (err) {
          throw new Error(RED._('low-stock.errors.state-save', { detail: life.describe(err) }));
        }
      },
    );
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
