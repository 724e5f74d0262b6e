import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { compileRules } from '../../nodes/core/rules/compile';
import type { ConditionDef, RuleProblem, RuleSetDef } from '../../nodes/core/rules/definitions';

import posSwitch = require('../../nodes/pos-switch/pos-switch');

import { type FlowNode, helper, type TestNode } from '../support/node-red-helper';
import { condition as anyCondition, ruleSet as anyRuleSet } from '../unit/rules/arbitraries';

const order = (data: Record<string, unknown>, event = 'transaction.completed') => ({
  payload: { id: `evt_${Math.random().toString(36).slice(2)}`, event, storeId: 'HK-MK-001', data },
  topic: event,
});

const RULES: RuleSetDef['rules'] = [
  {
    name: 'Big VIP order',
    conditions: [
      { field: 'data.total', op: 'gte', value: '500', valueType: 'num' },
      { field: 'data.customer.tier', op: 'eq', value: 'VIP', valueType: 'str' },
    ],
  },
  { name: '', conditions: [{ field: 'event', op: 'eq', value: 'inventory.changed', valueType: 'str' }] },
];

function flow(props: Record<string, unknown>, outputs: number): FlowNode[] {
  const outs = Array.from({ length: outputs }, (_, i) => `out${i}`);
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    {
      id: 'sw',
      type: 'pos-switch',
      z: 'tab',
      name: 'route',
      rules: RULES,
      wires: outs.map((id) => [id]),
      ...props,
    },
    ...outs.map((id) => ({ id, type: 'helper', z: 'tab' })),
  ];
}

type Received = { port: number; msg: Record<string, unknown> };

type AdminAnswer = { status: number; body: { problems?: RuleProblem[]; error?: string; detail?: string } };
/** POSTs to the admin app of the helper's runtime (supertest; the shared typing does not list it). */
const postAdmin = (path: string, body: unknown): PromiseLike<AdminAnswer> =>
  (
    helper as unknown as {
      request(): { post(path: string): { send(body: unknown): PromiseLike<AdminAnswer> } };
    }
  )
    .request()
    .post(path)
    .send(body);

/** Resolves when the output helpers have received `count` messages in all, with the port each arrived on. */
function collect(outputs: number, count: number): Promise<Received[]> {
  const received: Received[] = [];
  return new Promise((resolve) => {
    for (let port = 0; port < outputs; port++) {
      helper.getNode(`out${port}`).on('input', (msg: never) => {
        received.push({ port, msg });
        if (received.length === count) resolve(received);
      });
    }
  });
}

interface Spy {
  getCalls(): { thisValue: unknown; args: unknown[] }[];
}
/** The calls of a spied node method (the helper spies the Node prototype) made by this node. */
function callsOf(node: TestNode, method: 'status' | 'error' | 'warn'): unknown[][] {
  return ((node as unknown as Record<string, Spy>)[method] as Spy)
    .getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => call.args);
}

function waitForCall(
  node: TestNode,
  method: 'status' | 'error' | 'warn',
  match: (args: unknown[]) => boolean,
) {
  return new Promise<unknown[]>((resolve) =>
    node.on(`call:${method}`, (call: never) => {
      const { args } = call as { args: unknown[] };
      if (match(args)) resolve(args);
    }),
  );
}

describe('pos-switch node', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  async function load(props: Record<string, unknown> = {}, outputs = 3) {
    await helper.load(posSwitch, flow(props, outputs));
    return helper.getNode('sw');
  }

  it('sends each event to its first matching rule and the rest to "otherwise", the last output', async () => {
    const sw = await load();
    const received = collect(3, 4);
    const bigVip = order({ total: '628.00', customer: { tier: 'VIP' } });
    sw.receive(bigVip);
    sw.receive(order({ sku: 'MILK-TEA-BASE', quantity: 4.5, unit: 'kg' }, 'inventory.changed'));
    sw.receive(order({ total: 628, customer: { tier: 'Gold' } }));
    sw.receive({ payload: 'not an event at all' });
    const got = await received;
    assert.deepEqual(
      got.map((r) => r.port),
      [0, 1, 2, 2],
    );
    assert.deepEqual(got[0]?.msg.payload, bigVip.payload, 'the message goes on unchanged');
    assert.equal(got[0]?.msg.topic, 'transaction.completed');
  });

  it('sends to every matching rule in "every matching rule" mode', async () => {
    const sw = await load({
      mode: 'all',
      rules: [
        { conditions: [{ field: 'data.total', op: 'gt', value: '100', valueType: 'num' }] },
        {
          conditions: [
            { field: 'data.customer.tier', op: 'eq', value: 'vip', valueType: 'str', ignoreCase: true },
          ],
        },
      ],
    });
    const received = collect(3, 4);
    sw.receive(order({ total: '128.50', customer: { tier: 'VIP' } }));
    sw.receive(order({ total: 99.99, customer: { tier: 'ＶＩＰ' } }));
    sw.receive(order({ total: 0.1 + 0.2 }));
    const got = await received;
    assert.deepEqual(
      got.map((r) => r.port),
      [0, 1, 1, 2],
    );
  });

  it('drops events that match nothing when it filters, and counts them', async () => {
    const sw = await load({ unmatched: 'drop' }, 2);
    const received = collect(2, 1);
    const counted = waitForCall(sw, 'status', ([s]) => (s as { fill?: string }).fill === 'green');
    sw.receive(order({ total: 5 }));
    sw.receive(order({}, 'inventory.changed'));
    const got = await received;
    assert.deepEqual(
      got.map((r) => r.port),
      [1],
    );
    const [status] = await counted;
    // The helper's RED._ returns keys: two rules' counts and the dropped count.
    assert.deepEqual((status as { text: string }).text.split(' · '), [
      'pos-switch.status.rule',
      'pos-switch.status.rule',
      'pos-switch.status.dropped',
    ]);
  });

  it('shows the rule count at deploy and counts per output while running', async () => {
    const sw = await load();
    assert.deepEqual(callsOf(sw, 'status')[0], [
      { fill: 'grey', shape: 'ring', text: 'pos-switch.status.ready' },
    ]);
    const counted = waitForCall(sw, 'status', ([s]) => (s as { fill?: string }).fill === 'green');
    sw.receive(order({ total: 1 }));
    const [status] = await counted;
    assert.equal((status as { text: string }).text.split(' · ').length, 3);
  });

  it('reports bad rules at deploy with a red status, and every event as an error a Catch node receives', async () => {
    const sw = await load({
      rules: [
        { name: 'typo', conditions: [{ field: 'data.total', op: 'gt', value: '1OO', valueType: 'num' }] },
        { conditions: [{ field: 'storeId', op: 'matches', value: '^(HK', valueType: 're' }] },
      ],
    });
    const logged = helper.log().args.map((args) => JSON.stringify(args));
    assert.ok(
      logged.some((line) => line.includes('pos-switch.errors.bad-rules')),
      'the deploy logs the problem',
    );
    const [status] = callsOf(sw, 'status')[0] as [{ fill: string; shape: string; text: string }];
    assert.equal(status.fill, 'red');
    assert.match(
      status.text,
      /pos-switch\.errors\.ruleNamed, pos-switch\.errors\.condition: pos-switch\.errors\.not-a-number/,
    );
    const error = waitForCall(sw, 'error', (args) => args.length === 2);
    const msg = order({ total: 150 });
    sw.receive(msg);
    const [err, failed] = await error;
    assert.match(String(err), /pos-switch\.errors\.bad-rules/);
    assert.equal((failed as { _msgid: string })._msgid, (msg as unknown as { _msgid: string })._msgid);
  });

  it('refuses a pattern that could stall Node-RED at deploy, naming the rule, and never runs it', async () => {
    const sw = await load({
      rules: [{ name: 'notes', conditions: [{ field: 'data.note', op: 'matches', value: '^(a+)+$' }] }],
    });
    const [status] = callsOf(sw, 'status')[0] as [{ fill: string; text: string }];
    assert.equal(status.fill, 'red');
    assert.match(
      status.text,
      /pos-switch\.errors\.ruleNamed, pos-switch\.errors\.condition: pos-switch\.errors\.unsafe-regex/,
    );
    const error = waitForCall(sw, 'error', (args) => args.length === 2);
    const started = performance.now();
    sw.receive(order({ note: `${'a'.repeat(30)}!` }));
    const [err] = await error;
    assert.match(String(err), /pos-switch\.errors\.bad-rules/);
    assert.ok(performance.now() - started < 500, 'answered without running the pattern');
  });

  it('checks rules for the editor with the compiler it runs at deploy', async () => {
    await load();
    const check = (body: unknown) => postAdmin('/pos-switch/check', body);
    const bad = await check({
      rules: [
        { name: 'typo', conditions: [{ field: 'data.total', op: 'gt', value: '1OO', valueType: 'num' }] },
        { conditions: [] },
        { conditions: [{ field: 'data.note', op: 'matches', value: '^(a+)+$', valueType: 're' }] },
      ],
    });
    assert.equal(bad.status, 200);
    const problems = bad.body.problems ?? [];
    assert.deepEqual(problems.slice(0, 2), [
      { code: 'not-a-number', rule: 0, condition: 0, value: 1, detail: '1OO' },
      { code: 'no-conditions', rule: 1 },
    ]);
    // what the form could never know by itself: the pattern that would stall Node-RED
    assert.deepEqual(
      problems.slice(2).map(({ code, rule, condition }) => ({ code, rule, condition })),
      [{ code: 'unsafe-regex', rule: 2, condition: 0 }],
    );
    // the editor cannot know the runtime's environment (flow and group env included): a name is enough
    const env = await check({
      rules: [{ conditions: [{ field: 'data.total', op: 'gt', value: 'NOT_SET_HERE', valueType: 'env' }] }],
    });
    assert.deepEqual(env.body, { problems: [] });
    assert.deepEqual((await check({ rules: 'x' })).body, { problems: [{ code: 'rules-invalid' }] });
    const refused = await check([1, 2]);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'bad-request');
    assert.equal(typeof refused.body.detail, 'string');
  });

  it('reads flow and global context for every event, so a flow can move a threshold', async () => {
    const sw = await load({
      rules: [
        { conditions: [{ field: 'data.total', op: 'gt', value: 'vipThreshold', valueType: 'flow' }] },
        { conditions: [{ field: 'storeId', op: 'oneOf', value: 'watchedStores', valueType: 'global' }] },
      ],
    });
    const context = sw.context();
    await new Promise<void>((resolve) => context.flow.set('vipThreshold', 100, undefined, () => resolve()));
    await new Promise<void>((resolve) =>
      context.global.set('watchedStores', 'TW-001', undefined, () => resolve()),
    );
    const first = collect(3, 1);
    sw.receive(order({ total: '150.00' }));
    assert.equal((await first)[0]?.port, 0);
    await helper.unload();

    const sw2 = await load({
      rules: [
        { conditions: [{ field: 'data.total', op: 'gt', value: 'vipThreshold', valueType: 'flow' }] },
        { conditions: [{ field: 'storeId', op: 'oneOf', value: 'watchedStores', valueType: 'global' }] },
      ],
    });
    const ctx2 = sw2.context();
    ctx2.flow.set('vipThreshold', 200, undefined, () => undefined);
    ctx2.global.set('watchedStores', ['HK-MK-001'], undefined, () => undefined);
    const second = collect(3, 2);
    sw2.receive(order({ total: '150.00' }));
    ctx2.global.set('watchedStores', [], undefined, () => undefined);
    sw2.receive(order({ total: '150.00' }));
    assert.deepEqual(
      (await second).map((r) => r.port),
      [1, 2],
    );
  });

  it('warns once when a context value cannot be used, and treats the condition as false', async () => {
    const sw = await load(
      {
        rules: [
          { conditions: [{ field: 'data.total', op: 'gt', value: 'vipThreshold', valueType: 'flow' }] },
        ],
      },
      2,
    );
    sw.context().flow.set('vipThreshold', 'lots', undefined, () => undefined);
    const warned = waitForCall(sw, 'warn', () => true);
    const received = collect(2, 2);
    sw.receive(order({ total: 150 }));
    sw.receive(order({ total: 150 }));
    assert.deepEqual(
      (await received).map((r) => r.port),
      [1, 1],
    );
    const [warning] = await warned;
    assert.match(String(warning), /pos-switch\.errors\.not-a-number/);
    assert.equal(callsOf(sw, 'warn').length, 1);
  });

  it('reads environment variables once, at deploy', async () => {
    process.env.POS_SWITCH_TEST_LIMIT = '100';
    try {
      const sw = await load(
        {
          rules: [
            {
              conditions: [
                { field: 'data.total', op: 'gt', value: 'POS_SWITCH_TEST_LIMIT', valueType: 'env' },
              ],
            },
          ],
        },
        2,
      );
      process.env.POS_SWITCH_TEST_LIMIT = '1000';
      const received = collect(2, 2);
      sw.receive(order({ total: 150 }));
      sw.receive(order({ total: 50 }));
      assert.deepEqual(
        (await received).map((r) => r.port),
        [0, 1],
      );
    } finally {
      delete process.env.POS_SWITCH_TEST_LIMIT;
    }
  });

  it('reports an unset environment variable at deploy', async () => {
    const sw = await load(
      {
        rules: [
          { conditions: [{ field: 'data.total', op: 'gt', value: 'POS_SWITCH_NOT_SET', valueType: 'env' }] },
        ],
      },
      2,
    );
    const [status] = callsOf(sw, 'status')[0] as [{ fill: string; text: string }];
    assert.equal(status.fill, 'red');
    assert.match(status.text, /env-unset/);
  });
});

// ---- The editor (pos-switch.html), run in a sandbox with the real message catalogs ----------------------------

type Catalog = Record<string, unknown>;
const nodeDir = join(__dirname, '../../nodes/pos-switch');

function catalog(lang: string): Catalog {
  return JSON.parse(readFileSync(join(nodeDir, 'locales', lang, 'pos-switch.json'), 'utf8')) as Catalog;
}

function translator(lang: string) {
  const messages = catalog(lang);
  return (key: string, substitutions: Record<string, unknown> = {}) => {
    const path = key.replace(/^[^:]*:/, '').split('.');
    let value: unknown = messages;
    for (const part of path) value = (value as Record<string, unknown> | undefined)?.[part];
    if (typeof value !== 'string') return key;
    return value.replace(/__(\w+)__/g, (_, name: string) => String(substitutions[name] ?? ''));
  };
}

interface EditorDef {
  defaults: { rules: { value: unknown; validate(this: unknown, rules: unknown): true | string[] } } & Record<
    string,
    { value: unknown }
  >;
  outputs: number;
  outputLabels(this: unknown, index: number): string;
  label(this: unknown): string;
  paletteLabel(): string;
  _?: (key: string, substitutions?: Record<string, unknown>) => string;
}

/** The editor loaded from the built .html, its rule checks answered by the helper's runtime. */
interface LoadedEditor {
  def: EditorDef;
  /** How many checks it has asked the runtime for. */
  asked(): number;
  /** Resolves when an answer has come and the editor validates its nodes again. */
  revalidated(): Promise<void>;
}

function loadEditor(lang = 'en-US'): LoadedEditor {
  const html = readFileSync(join(nodeDir, 'pos-switch.html'), 'utf8');
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)?.[1];
  assert.ok(script, 'the editor script');
  let def: EditorDef | undefined;
  let asked = 0;
  let waiting: (() => void)[] = [];
  const t = translator(lang);
  // jQuery's ajax, as far as the editor uses it, on the helper's admin app
  const ajax = (settings: { url: string; data: string }) => {
    asked++;
    const answer = Promise.resolve(postAdmin(`/${settings.url}`, JSON.parse(settings.data)));
    const xhr = {
      done(callback: (body: unknown) => void) {
        void answer.then((a) => a.status === 200 && callback(a.body));
        return xhr;
      },
      fail(callback: (failed: unknown) => void) {
        void answer.then(
          (a) => a.status !== 200 && callback({ status: a.status, statusText: '', responseJSON: a.body }),
          () => callback({ status: 0, statusText: 'no answer' }),
        );
        return xhr;
      },
    };
    return xhr;
  };
  runInNewContext(script, {
    $: { ajax },
    RED: {
      nodes: {
        registerType(type: string, definition: EditorDef) {
          assert.equal(type, 'pos-switch');
          definition._ = (key, substitutions) => t(key, substitutions);
          def = definition;
        },
        eachNode() {
          const resolved = waiting;
          waiting = [];
          for (const resolve of resolved) resolve();
        },
      },
      editor: { validateNode: () => true },
      view: { redraw() {} },
    },
  });
  assert.ok(def);
  return {
    def,
    asked: () => asked,
    revalidated: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

/** The editor's verdict on a rule list: at once when known, else once the runtime has answered. */
async function validated(editor: LoadedEditor, rules: unknown): Promise<true | string[]> {
  const before = editor.asked();
  const revalidated = editor.revalidated();
  const first = editor.def.defaults.rules.validate.call({}, rules);
  if (editor.asked() === before) return first;
  await revalidated;
  return editor.def.defaults.rules.validate.call({}, rules);
}

describe('pos-switch editor', () => {
  // the editor asks the runtime to check rules: a runtime with the pos-switch module answers
  before(async () => {
    await helper.startServer();
    await helper.load(posSwitch, [{ id: 'tab', type: 'tab', label: 'editor' }]);
  });
  after(async () => {
    await helper.unload();
    await helper.stopServer();
  });
  const loaded = loadEditor();
  const editor = loaded.def;
  const labels = (node: Record<string, unknown>, ed = editor) => {
    const rules = (node.rules as unknown[]) ?? [];
    const count = rules.length + (node.unmatched === 'drop' ? 0 : 1);
    return Array.from({ length: count }, (_, i) => ed.outputLabels.call(node, i));
  };

  it('labels each output with its rule in words, and "otherwise" last', () => {
    assert.deepEqual(labels({ rules: RULES }), [
      'Big VIP order: total ≥ 500 and customer tier is VIP',
      'event type is inventory.changed',
      'otherwise',
    ]);
    assert.deepEqual(
      labels({
        rules: [
          { conditions: [{ field: 'data.total', op: 'gt', value: '100', valueType: 'num' }] },
          { conditions: [{ field: 'data.customer.tier', op: 'eq', value: 'VIP', valueType: 'str' }] },
        ],
        unmatched: 'drop',
      }),
      ['total > 100', 'customer tier is VIP'],
    );
  });

  it('says every operator and value type in words', () => {
    const words = (c: Partial<ConditionDef>) =>
      editor.outputLabels.call({ rules: [{ conditions: [{ field: 'data.total', ...c }] }] }, 0);
    assert.equal(words({ op: 'between', value: '100', value2: '200.50' }), 'total between 100 and 200.50');
    assert.equal(words({ op: 'lte', value: 'LIMIT', valueType: 'env' }), 'total ≤ ${LIMIT}');
    assert.equal(
      words({ op: 'gt', value: '#:(file)::vip.threshold', valueType: 'flow' }),
      'total > flow.vip.threshold',
    );
    assert.equal(words({ op: 'missing' }), 'total is missing');
    assert.equal(
      editor.outputLabels.call(
        {
          rules: [
            {
              conditions: [
                {
                  field: 'storeId',
                  op: 'oneOf',
                  value: 'HK-1，HK-2、TW-3',
                  valueType: 'list',
                  ignoreCase: true,
                },
              ],
            },
          ],
        },
        0,
      ),
      'store is one of HK-1, HK-2, TW-3 (any case)',
    );
    assert.equal(
      editor.outputLabels.call(
        {
          rules: [
            { conditions: [{ field: 'msg.pos.scheme', op: 'matches', value: '^gen', valueType: 're' }] },
          ],
        },
        0,
      ),
      'msg.pos.scheme matches /^gen/',
    );
  });

  it('translates the words (zh-CN, zh-TW)', () => {
    assert.deepEqual(labels({ rules: RULES }, loadEditor('zh-CN').def), [
      'Big VIP order：总额 ≥ 500 且 会员等级 为 VIP',
      '事件类型 为 inventory.changed',
      '其他',
    ]);
    assert.deepEqual(labels({ rules: RULES }, loadEditor('zh-TW').def), [
      'Big VIP order：總額 ≥ 500 且 會員等級 為 VIP',
      '事件類型 為 inventory.changed',
      '其他',
    ]);
  });

  it('flags bad rules with messages that name the rule and condition', async () => {
    const result = await validated(loaded, [
      { name: 'typo', conditions: [{ field: 'data.total', op: 'gt', value: '1OO', valueType: 'num' }] },
      { conditions: [] },
      { conditions: [{ field: 'storeId', op: 'matches', value: '^(HK', valueType: 're' }] },
    ]);
    assert.ok(Array.isArray(result));
    assert.equal(
      result[0],
      'Rule 1 (typo), condition 1: "1OO" is not a number (write 128.50, without thousands separators)',
    );
    assert.equal(result[1], 'Rule 2: add at least one condition');
    assert.match(result[2] ?? '', /^Rule 3, condition 1: invalid regular expression: /);
    assert.equal(await validated(loaded, RULES), true);
  });

  it('flags a new node until its first rule has a value', async () => {
    assert.notEqual(await validated(loaded, editor.defaults.rules.value), true);
    assert.equal(editor.outputs, 2);
    assert.equal(editor.defaults.outputs?.value, 2);
  });

  // The editor flags exactly what the runtime refuses at deploy (environment variables aside: the editor cannot
  // know the runtime's environment, so it only checks that a name is given).
  const en = translator('en-US');
  /** The runtime's problems in the words the editor uses (for rules without names). */
  const problemKeys = (problems: RuleProblem[]) =>
    problems.map((p) => {
      const what = en(`pos-switch.errors.${p.code}`, { detail: p.detail ?? '' });
      if (p.rule === undefined) return what;
      const where = [en('pos-switch.errors.rule', { n: p.rule + 1 })];
      if (p.condition !== undefined) where.push(en('pos-switch.errors.condition', { n: p.condition + 1 }));
      if (p.value === 2) where.push(en('pos-switch.errors.secondValue'));
      return `${where.join(', ')}: ${what}`;
    });
  async function editorProblems(rules: unknown): Promise<string[]> {
    const messages = await validated(loaded, rules);
    return messages === true ? [] : Array.from(messages); // out of the sandbox's realm
  }
  function runtimeProblems(def: RuleSetDef): RuleProblem[] {
    const compiled = compileRules(def, { env: (name) => `value-of-${name}` });
    if (compiled.ok) return [];
    return compiled.problems.filter((p) => !p.detail?.startsWith('value-of-'));
  }

  it('agrees with the runtime on random rule sets (property)', async () => {
    await fc.assert(
      fc.asyncProperty(anyRuleSet, async (def) => {
        const expected = problemKeys(runtimeProblems(def));
        assert.deepEqual(await editorProblems(def.rules), expected, JSON.stringify(def));
      }),
      { numRuns: 2000 },
    );
  }).timeout(60_000); // thousands of checks over HTTP

  it('agrees with the runtime on malformed conditions (property)', async () => {
    const mangled = fc.record({
      field: fc.oneof(
        fc.constantFrom('', ' ', 'data..total', 'a[', 'msg', 'data["x"]', 'data.items[0].sku'),
        fc.string({ maxLength: 8 }),
      ),
      op: fc.oneof(
        fc.constantFrom('eq', 'between', 'matches', 'oneOf', 'gt', 'exists', 'approx'),
        fc.string({ maxLength: 4 }),
      ),
      value: fc.oneof(
        fc.constant(undefined),
        fc.string({ maxLength: 6 }),
        fc.constantFrom('1OO', '１２', '[', ' , ', 'yes', '12'),
      ),
      valueType: fc.constantFrom(undefined, '', 'num', 'str', 'bool', 'list', 're', 'flow', 'global', 'json'),
      value2: fc.oneof(fc.constant(undefined), fc.constantFrom('', '5', 'x')),
      value2Type: fc.constantFrom(undefined, 'num', 'str'),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyCondition, mangled), async (c) => {
        const def = { rules: [{ conditions: [c as ConditionDef] }] };
        assert.deepEqual(
          await editorProblems(def.rules),
          problemKeys(runtimeProblems(def)),
          JSON.stringify(c),
        );
      }),
      { numRuns: 3000 },
    );
  }).timeout(60_000); // thousands of checks over HTTP

  it('has every message it uses in all three languages', () => {
    const html = readFileSync(join(nodeDir, 'pos-switch.html'), 'utf8');
    const runtime = readFileSync(join(nodeDir, 'pos-switch.js'), 'utf8');
    const keys = new Set<string>();
    for (const m of html.matchAll(/data-i18n="(?:\[placeholder\])?pos-switch\.([\w.-]+)"/g))
      keys.add(m[1] as string);
    for (const m of html.matchAll(/\bt\(['"`]([\w.-]+)['"`]/g)) keys.add(m[1] as string);
    for (const m of runtime.matchAll(/\bt\(`?'?([\w.-]+)/g)) keys.add(m[1] as string);
    for (const key of keys) if (key.endsWith('.')) keys.delete(key); // built keys: listed below
    const codes = [
      'rules-invalid',
      'no-conditions',
      'no-field',
      'bad-field',
      'bad-operator',
      'bad-value-type',
      'no-value',
      'not-a-number',
      'not-a-boolean',
      'bad-regex',
      'unsafe-regex',
      'unchecked-regex',
      'empty-list',
      'env-unset',
      'context-unset',
      'context-unusable',
    ];
    for (const code of codes) keys.add(`errors.${code}`);
    for (const group of ['op', 'phrase']) {
      for (const op of [
        'eq',
        'neq',
        'gt',
        'gte',
        'lt',
        'lte',
        'between',
        'contains',
        'startsWith',
        'matches',
        'oneOf',
        'exists',
        'missing',
        'isTrue',
        'isFalse',
      ])
        keys.add(`${group}.${op}`);
    }
    for (const m of html.matchAll(/key: ['"](\w+)['"]/g)) keys.add(`field.${m[1]}`);
    assert.ok(keys.size > 80, `found ${keys.size} keys`);
    for (const lang of ['en-US', 'zh-CN', 'zh-TW']) {
      const t = translator(lang);
      const missing = [...keys].filter((key) => t(`pos-switch.${key}`) === `pos-switch.${key}`);
      assert.deepEqual(missing, [], lang);
    }
  });
});
