// The editor experience for every node, in Chromium against a real Node-RED: the palette, each form's
// validation, importing every example through the Import menu, and the zh-TW and zh-CN languages.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchNodeRed, type NodeRed } from '../../dev/node-red-launcher';
import { repoRoot } from '../../dev/repo-root';
import { type EditorRed, editNew, launchBrowser, openEditor, screenshot } from '../support/browser';

const PALETTE_TYPES = ['pos-in', 'pos-switch', 'low-stock', 'route-geofence', 'dingtalk-send'];
const MODULE = '@retail-ops/node-red-pos-dingtalk';

const red = (page: Page) => page.evaluate.bind(page) as <T>(fn: () => T) => Promise<T>;

describe('the editor for every node (Chromium)', function () {
  this.timeout(180_000);
  let nodeRed: NodeRed;
  let browser: Browser;
  let page: Page;

  before(async () => {
    nodeRed = await launchNodeRed();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await nodeRed?.stop();
    if (nodeRed) rmSync(nodeRed.userDir, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (page) {
      await screenshot(page, `editor-${this.currentTest?.title.replace(/\W+/g, '-')}`);
      await page.context().close();
    }
  });

  it('shows the five nodes under "retail" and registers the robot as a configuration node', async () => {
    page = await openEditor(browser, nodeRed.url);
    for (const type of PALETTE_TYPES) {
      const entry = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
      const category = await entry.evaluate((el) => el.closest('.red-ui-palette-category')?.id ?? '');
      assert.match(category, /retail/, type);
    }
    const robot = await red(page)(() =>
      (globalThis as unknown as { RED: EditorRed }).RED.nodes.getType('dingtalk-robot'),
    );
    assert.equal(robot?.category, 'config');
  });

  it('flags what is wrong in each form', async () => {
    page = await openEditor(browser, nodeRed.url);
    const cases: [Record<string, unknown>, () => Promise<void>][] = [
      [
        { id: 'v-stock', type: 'low-stock', threshold: 'five', unit: 'kg', rows: [], outputs: 3 },
        () => page.locator('#node-input-threshold.input-error').waitFor(),
      ],
      [
        { id: 'v-send', type: 'dingtalk-send', msgtype: 'markdown', title: '', text: 'x', outputs: 2 },
        () => page.locator('#node-input-title.input-error').waitFor(),
      ],
      [
        {
          id: 'v-switch',
          type: 'pos-switch',
          rules: [
            {
              name: 'bad',
              conditions: [{ field: 'data.note', op: 'matches', value: '([', valueType: 're' }],
            },
          ],
          outputs: 2,
        },
        () =>
          page
            .locator('#node-dialog-ok')
            .locator('xpath=ancestor::*[contains(@class,"red-ui-tray")]')
            .getByText(/regular expression|pattern/i)
            .first()
            .waitFor(),
      ],
      [
        {
          id: 'v-geo',
          type: 'route-geofence',
          routes: [
            { id: 'R1', name: 'Nathan Road', widthM: 60, geometry: '114.1722, 22.2948\n114.1694, 22.3193' },
          ],
          zones: [],
        },
        () =>
          page
            .locator('.route-geofence-bad', { hasText: /longitude first/ })
            .first()
            .waitFor(),
      ],
    ];
    for (const [node, flagged] of cases) {
      await editNew(page, node);
      await flagged();
      await screenshot(page, `validation-${node.type}`);
      await page.locator('#node-dialog-cancel').click();
      await page.locator('#node-dialog-ok').waitFor({ state: 'detached' });
      // route geometry is checked by the runtime's parser (the same code the node runs), shown in the form
      if (node.type === 'route-geofence') continue;
      const valid = await page.evaluate(
        (id) => (globalThis as unknown as { RED: EditorRed }).RED.nodes.node(id)?.valid,
        node.id as string,
      );
      assert.equal(valid, false, `${node.type} should be marked invalid`);
    }
  });

  it('explains a bad webhook in the robot form', async () => {
    page = await openEditor(browser, nodeRed.url);
    await editNew(page, { id: 'v-send2', type: 'dingtalk-send', msgtype: 'text', text: 'hi', outputs: 2 });
    await page.locator('#node-input-robot').locator('xpath=..').locator('a, button').last().click();
    await page.locator('#node-config-input-webhook').fill('https://example.com/hooks/abc');
    await page.locator('#node-config-input-webhook').press('End');
    await page.locator('#dingtalk-robot-webhook-hint.warn').waitFor();
    await page.locator('#node-config-input-secret').fill('not-a-sec-secret');
    await page.locator('#node-config-input-secret').press('End');
    await page.locator('#dingtalk-robot-secret-hint.warn').waitFor();
    await screenshot(page, 'validation-dingtalk-robot');
    await page.locator('#node-config-input-webhook').fill('${DINGTALK_WEBHOOK}');
    await page.locator('#node-config-input-webhook').press('End');
    await page.locator('#dingtalk-robot-webhook-hint:not(.warn)', { hasText: 'DINGTALK_WEBHOOK' }).waitFor();
  });

  const examples = readdirSync(join(repoRoot, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const file of examples) {
    it(`imports example ${file} through the Import menu`, async () => {
      page = await openEditor(browser, nodeRed.url);
      const flow = JSON.parse(readFileSync(join(repoRoot, 'examples', file), 'utf8')) as {
        type: string;
        label?: string;
      }[];
      await page.locator('#red-ui-header-button-sidemenu').click();
      await page.locator('#menu-item-import').click();
      await page.locator('a[href="#red-ui-clipboard-dialog-import-tab-examples"]').click();
      const tree = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
      await tree.locator('.red-ui-treeList-label', { hasText: MODULE }).first().click();
      await tree
        .locator('.red-ui-treeList-label', { hasText: file.replace(/\.json$/, '') })
        .first()
        .click();
      await page.locator('#red-ui-clipboard-dialog-ok').click();
      const label = flow.find((n) => n.type === 'tab')?.label ?? '';
      await page.locator('.red-ui-tab', { hasText: label }).first().waitFor();
      const unknown = await red(page)(
        () => (globalThis as unknown as { RED: EditorRed }).RED.nodes.filterNodes({ type: 'unknown' }).length,
      );
      assert.equal(unknown, 0);
      for (const type of new Set(flow.map((n) => n.type))) {
        const count = await page.evaluate(
          (t) => (globalThis as unknown as { RED: EditorRed }).RED.nodes.filterNodes({ type: t }).length,
          type,
        );
        if (type !== 'tab' && type !== 'dingtalk-robot') assert.ok(count > 0, `${type} imported`);
      }
    });
  }

  for (const [locale, labels] of [
    ['zh-TW', { 'pos-in': 'POS 事件接收', 'dingtalk-send': '釘釘' }],
    ['zh-CN', { 'pos-in': 'POS 事件接收', 'dingtalk-send': '钉钉' }],
  ] as [string, Record<string, string>][]) {
    it(`labels every palette node in ${locale}, none left in English`, async () => {
      page = await openEditor(browser, nodeRed.url, locale);
      const english = {
        'pos-in': 'POS event in',
        'pos-switch': 'POS switch',
        'low-stock': 'low stock',
        'route-geofence': 'route geofence',
        'dingtalk-send': 'DingTalk',
      };
      for (const type of PALETTE_TYPES) {
        const text =
          (await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).textContent())
            ?.replace(/\s+/g, ' ')
            .trim() ?? '';
        assert.notEqual(text, english[type as keyof typeof english], `${type} in ${locale}`);
        const expected = labels[type];
        if (expected) assert.equal(text, expected, `${type} in ${locale}`);
      }
    });
  }
});
