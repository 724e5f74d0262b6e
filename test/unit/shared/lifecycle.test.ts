import assert from 'node:assert/strict';
import { KernelError } from '../../../nodes/core/kernel/errors';
import { lifecycle } from '../../../nodes/shared/lifecycle';
import type { NodeAPI, NodeMessage, NodeStatus } from '../../../nodes/shared/node-red';
import { STATUS_INTERVAL_MS } from '../../../nodes/shared/status';
import { ManualClock } from '../../support/manual-clock';

type Handler = (...args: never[]) => void;

/** The slice of a Node-RED node the helper uses, recording what it is asked to do. */
class FakeNode {
  readonly id: string;
  readonly type = 'fake-type';
  readonly statuses: NodeStatus[] = [];
  readonly errors: unknown[] = [];
  readonly handlers = new Map<string, Handler>();
  constructor(id = 'n1') {
    this.id = id;
  }
  status(status: NodeStatus) {
    this.statuses.push(status);
  }
  error(err: unknown) {
    this.errors.push(err);
  }
  on(event: string, handler: Handler) {
    assert.ok(!this.handlers.has(event), `one ${event} handler`);
    this.handlers.set(event, handler);
  }

  /** Delivers a message as the runtime does; resolves with what done was given and what was sent. */
  input(msg: NodeMessage = {}): Promise<{ err: Error | undefined; sent: unknown[] }> {
    const sent: unknown[] = [];
    return new Promise((resolve) => {
      const handler = this.handlers.get('input') as unknown as (
        m: NodeMessage,
        s: unknown,
        d: unknown,
      ) => void;
      assert.equal(handler.length, 3, 'three parameters: the runtime then knows done will be called');
      handler(
        msg,
        (out: unknown) => sent.push(out),
        (err?: Error) => resolve({ err, sent }),
      );
    });
  }

  close(removed = false): Promise<number> {
    let calls = 0;
    return new Promise((resolve) => {
      const handler = this.handlers.get('close') as unknown as (r: boolean, d: () => void) => void;
      handler(removed, () => {
        calls++;
        setImmediate(() => resolve(calls));
      });
    });
  }
}

/** RED._ as the runtime's i18next does it: a translation where one exists, else the default value, filled. */
function fakeRed(translations: Record<string, string> = {}): NodeAPI {
  const fill = (text: string, params: Record<string, unknown>) =>
    text.replace(/__(\w+)__/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  return {
    _: (key: string, params: Record<string, unknown> = {}) => {
      const text = translations[key] ?? (params.defaultValue as string | undefined) ?? key;
      return fill(text, params);
    },
  } as unknown as NodeAPI;
}

const setup = (translations: Record<string, string> = {}, id = 'n1') => {
  const node = new FakeNode(id);
  const clock = new ManualClock();
  const life = lifecycle(fakeRed(translations), node as never, clock);
  return { node, clock, life };
};

describe('node lifecycle helper', () => {
  describe('a kernel error', () => {
    const err = new KernelError('too-many', { count: 3 }, 'There are __count__ of them');

    it('is shown in the runtime language, as <type>.errors.<code> with its parameters', () => {
      const { life } = setup({ 'fake-type.errors.too-many': 'Il y en a __count__' });
      assert.equal(life.describe(err), 'Il y en a 3');
    });

    it('falls back to the English text where no translation exists', () => {
      const { life } = setup();
      assert.equal(life.describe(err), 'There are 3 of them');
    });

    it('becomes an Error with the localised message and the code, for done(err)', () => {
      const { life } = setup();
      const error = life.toError(err) as Error & { code?: string };
      assert.equal(error.message, 'There are 3 of them');
      assert.equal(error.code, 'too-many');
      const plain = new Error('plain');
      assert.equal(life.toError(plain), plain);
      assert.equal(life.toError('text').message, 'text');
    });
  });

  describe('configError', () => {
    it('shows a red ring, logs once, and answers every later message with done(err), sending nothing', async () => {
      const { node, life } = setup();
      life.configError(new KernelError('bad', { what: 'x' }, 'Bad setting __what__'));
      assert.deepEqual(node.statuses, [{ fill: 'red', shape: 'ring', text: 'Bad setting x' }]);
      assert.deepEqual(node.errors, ['Bad setting x']);
      for (let i = 0; i < 2; i++) {
        const { err, sent } = await node.input({ payload: i });
        assert.equal(err?.message, 'Bad setting x');
        assert.deepEqual(sent, []);
      }
      assert.equal(node.errors.length, 1, 'one log line, not one per message');
      assert.ok(life.misconfigured);
    });

    it('may show a shorter text than it logs, and let the node answer on a documented failure output', async () => {
      const { node, life } = setup();
      life.configError(new Error('long explanation of everything'), {
        statusText: 'short',
        refused: (msg, send) => send([null, { ...msg, refused: true }]),
      });
      assert.deepEqual(node.statuses, [{ fill: 'red', shape: 'ring', text: 'short' }]);
      const { err, sent } = await node.input({ payload: 1 });
      assert.equal(err?.message, 'long explanation of everything');
      assert.deepEqual(sent, [[null, { payload: 1, refused: true }]]);
    });
  });

  describe('onInput', () => {
    it('calls done once the handler finishes, or done(err) when it fails, never a throw', async () => {
      const { node, life } = setup();
      life.onInput(async (msg, send) => {
        if (msg.payload === 'fail') throw new KernelError('nope', {}, 'No');
        if (msg.payload === 'throw-sync') throw new Error('sync');
        send(msg);
      });
      assert.deepEqual(await node.input({ payload: 'ok' }), { err: undefined, sent: [{ payload: 'ok' }] });
      assert.equal((await node.input({ payload: 'fail' })).err?.message, 'No');
      assert.equal((await node.input({ payload: 'throw-sync' })).err?.message, 'sync');
    });

    it('runs a synchronous handler without a promise, and reports its throw as done(err)', async () => {
      const { node, life } = setup();
      life.onInput((msg) => {
        if (msg.payload === 'bad') throw new Error('sync failure');
      });
      assert.equal((await node.input({ payload: 'ok' })).err, undefined);
      assert.equal((await node.input({ payload: 'bad' })).err?.message, 'sync failure');
    });
  });

  describe('onClose', () => {
    it('runs the tasks in order, logs a failing one and goes on, and calls done once', async () => {
      const { node, life } = setup();
      const ran: string[] = [];
      life.onClose(
        () => {
          ran.push('first');
        },
        async () => {
          ran.push('second');
          throw new Error('disk gone');
        },
        async (removed) => {
          ran.push(`third removed=${removed}`);
        },
      );
      assert.equal(await node.close(true), 1);
      assert.deepEqual(ran, ['first', 'second', 'third removed=true']);
      assert.deepEqual(node.errors, ['disk gone']);
    });

    it('stops the status throttle: a waiting status never lands after close', async () => {
      const { node, clock, life } = setup();
      life.status.show({ fill: 'green', shape: 'dot', text: 'a' });
      life.status.show({ fill: 'green', shape: 'dot', text: 'b' });
      assert.equal(clock.pending, 1);
      await node.close();
      assert.equal(clock.pending, 0);
      assert.deepEqual(
        node.statuses.map((s) => (s as { text: string }).text),
        ['a'],
      );
    });
  });

  describe('status', () => {
    it('shows a change at most once per interval, the last one landing, and red at once', async () => {
      const { node, clock, life } = setup();
      const text = () => node.statuses.map((s) => (s as { text: string }).text);
      life.status.show({ fill: 'green', shape: 'dot', text: '1' });
      life.status.show({ fill: 'green', shape: 'dot', text: '2' });
      life.status.show(() => ({ fill: 'green', shape: 'dot', text: '3' }));
      assert.deepEqual(text(), ['1']);
      await clock.advance(STATUS_INTERVAL_MS - 1);
      assert.deepEqual(text(), ['1']);
      await clock.advance(1);
      assert.deepEqual(text(), ['1', '3']);
      life.status.show({ fill: 'red', shape: 'ring', text: 'broken' });
      assert.deepEqual(text(), ['1', '3', 'broken']);
      life.status.showNow({ fill: 'green', shape: 'dot', text: 'event' });
      assert.deepEqual(text(), ['1', '3', 'broken', 'event']);
    });
  });

  describe('redeploy hand-over', () => {
    it('hands state to the node with the same id once, and forgets a removed node’s', () => {
      const first = setup({}, 'handover-1');
      assert.equal(first.life.takeHandover(), undefined);
      first.life.handOver(false, ['state']);
      const second = setup({}, 'handover-1');
      assert.deepEqual(second.life.takeHandover(), ['state']);
      assert.equal(second.life.takeHandover(), undefined, 'taken once');
      second.life.handOver(false, ['kept']);
      second.life.handOver(true, ['removed']);
      assert.equal(setup({}, 'handover-1').life.takeHandover(), undefined);
      assert.equal(setup({}, 'other').life.takeHandover(), undefined, 'keyed by node id');
    });
  });
});
