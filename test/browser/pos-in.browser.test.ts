import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchNodeRed, type NodeRed } from '../../dev/node-red-launcher';
import { launchBrowser, openEditor, screenshot } from '../support/browser';

describe('pos-in in the editor (Chromium)', function () {
  this.timeout(90_000);
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
  beforeEach(async () => {
    page = await openEditor(browser, nodeRed.url);
  });
  afterEach(async function () {
    await screenshot(page, `pos-in-${this.currentTest?.title.replace(/\W+/g, '-')}`);
    await page.context().close();
  });

  async function dragOntoWorkspace(type: string, x = 300, y = 200): Promise<void> {
    const source = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
    await source.scrollIntoViewIfNeeded();
    const box = await source.boundingBox();
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    assert.ok(box && chart);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(chart.x + x, chart.y + y, { steps: 10 });
    await page.mouse.up();
  }

  it('drags pos-in onto the workspace, fills its form, deploys, and shows its status', async () => {
    await dragOntoWorkspace('pos-in');
    const node = page.locator('.red-ui-flow-node-group').filter({ hasText: 'POS /pos/events' });
    await node.waitFor();
    await node.locator('.red-ui-flow-node').dblclick();
    await page.locator('#node-input-path').fill('/pos/till-1');
    await page.locator('#node-input-secret').fill('a-secret-from-the-pos');
    assert.match((await page.locator('#pos-in-url').textContent()) ?? '', /\/pos\/till-1$/);
    await screenshot(page, 'pos-in-dialog');
    await page.locator('#node-dialog-ok').click();
    await page.locator('#red-ui-header-button-deploy').click();
    const status = page.locator('.red-ui-flow-node-status-label', { hasText: '/pos/till-1' });
    await status.waitFor();
    const flows = JSON.stringify(await nodeRed.getFlows());
    assert.ok(flows.includes('/pos/till-1'));
    assert.ok(!flows.includes('a-secret-from-the-pos'), 'the secret is a credential, not a flow property');
  });

  it('flags a bad path and a replay window over 15 minutes', async () => {
    await dragOntoWorkspace('pos-in');
    await page
      .locator('.red-ui-flow-node-group')
      .filter({ hasText: 'POS /pos/events' })
      .locator('.red-ui-flow-node')
      .dblclick();
    // typed as a person types: Node-RED validates on keyup
    await page.locator('#node-input-path').fill('pos events');
    await page.locator('#node-input-path').press('End');
    await page.locator('#node-input-windowMinutes').fill('30');
    await page.locator('#node-input-windowMinutes').press('End');
    await page.locator('#node-input-path.input-error').waitFor();
    await page.locator('#node-input-windowMinutes.input-error').waitFor();
  });

  it('warns when signatures are switched off, and asks for confirmation', async () => {
    await dragOntoWorkspace('pos-in');
    await page
      .locator('.red-ui-flow-node-group')
      .filter({ hasText: 'POS /pos/events' })
      .locator('.red-ui-flow-node')
      .dblclick();
    await page.locator('#node-input-scheme').selectOption('none');
    assert.equal(await page.locator('.pos-in-warning').isVisible(), true);
    assert.equal(await page.locator('#node-input-secret').isVisible(), false);
  });

  it('speaks Traditional Chinese in zh-TW: palette, form and help', async () => {
    await page.context().close();
    page = await openEditor(browser, nodeRed.url, 'zh-TW');
    const entry = page.locator('.red-ui-palette-node[data-palette-type="pos-in"]');
    assert.equal((await entry.textContent())?.replace(/\s+/g, ' ').trim(), 'POS 事件接收');
    await dragOntoWorkspace('pos-in');
    await page
      .locator('.red-ui-flow-node-group')
      .filter({ hasText: 'POS /pos/events' })
      .locator('.red-ui-flow-node')
      .dblclick();
    await page.locator('label[for="node-input-scheme"]', { hasText: '簽章方式' }).waitFor();
    await page.locator('#node-dialog-cancel').click();
    await page.evaluate(() =>
      (globalThis as unknown as { RED: { actions: { invoke(a: string): void } } }).RED.actions.invoke(
        'core:show-help-tab',
      ),
    );
    await page
      .locator('.red-ui-flow-node-group')
      .filter({ hasText: 'POS /pos/events' })
      .locator('.red-ui-flow-node')
      .click();
    await page
      .locator('.red-ui-help', { hasText: '在本 Node-RED 的一個網址上接收 POS webhook' })
      .first()
      .waitFor();
    await page.locator('.red-ui-help h3', { hasText: '輸入' }).first().waitFor();
  });
});
