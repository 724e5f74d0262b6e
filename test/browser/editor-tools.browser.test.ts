// The editor's own tools, in Chromium against a real Node-RED: low-stock's CSV paste, route-geofence's
// offline SVG preview, the robot's "send test message" button (against the DingTalk stand-in), and the whole
// thing in Node-RED 5's dark theme.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { type StandIn, start as startStandIn } from '../../dev/dingtalk-standin';
import { launchNodeRed, type NodeRed } from '../../dev/node-red-launcher';
import { editNew, launchBrowser, openEditor, screenshot } from '../support/browser';

/** WCAG contrast ratio of an element's text against its background (walking up to an opaque one). */
function contrast(page: Page, selector: string): Promise<number> {
  // a string, evaluated in the page: the tests compile without the DOM's types
  return page.evaluate(`(() => {
    const element = document.querySelector(${JSON.stringify(selector)});
    const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
    const channel = (c) => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    const luminance = ([r = 0, g = 0, b = 0]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    let node = element;
    let background = [255, 255, 255];
    while (node) {
      const value = rgb(getComputedStyle(node).backgroundColor);
      if (value.length === 3 || (value.length === 4 && value[3] === 1)) { background = value.slice(0, 3); break; }
      node = node.parentElement;
    }
    const a = luminance(rgb(getComputedStyle(element).color));
    const b = luminance(background);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  })()`);
}

describe('editor tools (Chromium)', function () {
  this.timeout(180_000);
  let standIn: StandIn;
  let nodeRed: NodeRed;
  let browser: Browser;
  let page: Page;

  before(async () => {
    standIn = await startStandIn({ secret: `SEC${'t'.repeat(64)}` });
    nodeRed = await launchNodeRed({ settings: { dingtalkAllowedHosts: [standIn.hostPort] } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await nodeRed?.stop();
    await standIn?.close();
    if (nodeRed) rmSync(nodeRed.userDir, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (page) {
      await screenshot(page, `tools-${this.currentTest?.title.replace(/\W+/g, '-')}`);
      await page.context().close();
    }
  });

  it('fills the low-stock thresholds table from pasted CSV, and names the bad line', async () => {
    page = await openEditor(browser, nodeRed.url);
    await editNew(page, {
      id: 't-stock',
      type: 'low-stock',
      threshold: '',
      unit: 'kg',
      rows: [],
      outputs: 3,
    });
    await page.locator('#low-stock-paste').click();
    await page
      .locator('#low-stock-csv-text')
      .fill('sku,name,threshold,unit\nMILK-TEA-BASE,奶茶底,5,kg\nCUP-16,16oz cups,x,pcs\n');
    await page.locator('#low-stock-csv-replace').click();
    await page.locator('#low-stock-csv-problems li').first().waitFor();
    assert.match((await page.locator('#low-stock-csv-problems').textContent()) ?? '', /3/);
    await page
      .locator('#low-stock-csv-text')
      .fill('sku,name,threshold,unit\nMILK-TEA-BASE,奶茶底,5,kg\nCUP-16,16oz cups,100,pcs\n');
    await page.locator('#low-stock-csv-replace').click();
    await page.locator('#node-input-rows-container input').first().waitFor();
    const values = await page
      .locator('#node-input-rows-container input')
      .evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value));
    assert.ok(values.includes('MILK-TEA-BASE') && values.includes('CUP-16'), values.join(', '));
  });

  it('draws the route corridor and zones as SVG, with no map tiles', async () => {
    page = await openEditor(browser, nodeRed.url);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await editNew(page, {
      id: 't-geo',
      type: 'route-geofence',
      routes: [
        {
          id: 'R1',
          name: 'Nathan Road',
          widthM: 100,
          geometry: '22.3193, 114.1694\n22.3106, 114.1713\n22.2988, 114.1722',
        },
      ],
      zones: [{ id: 'MK', name: 'Mong Kok store', type: 'circle', center: '22.3193, 114.1694', radiusM: 80 }],
    });
    await page
      .locator('#route-geofence-preview svg path, #route-geofence-preview svg polyline')
      .first()
      .waitFor();
    await page.locator('#route-geofence-preview svg circle').first().waitFor();
    assert.deepEqual(
      requests.filter((url) => !url.startsWith(nodeRed.url)),
      [],
      'everything came from Node-RED itself',
    );
  });

  it('sends a test message from the robot form and says what DingTalk answered', async () => {
    page = await openEditor(browser, nodeRed.url);
    await editNew(page, { id: 't-send', type: 'dingtalk-send', msgtype: 'text', text: 'hi', outputs: 2 });
    await page.locator('#node-input-robot').locator('xpath=..').locator('a, button').last().click();
    await page.locator('#node-config-input-webhook').fill(standIn.webhookUrl());
    await page.locator('#node-config-input-secret').fill(standIn.secret ?? '');
    await page.locator('#dingtalk-robot-test-button').click();
    await page.locator('#dingtalk-robot-test-result.ok').waitFor();
    assert.equal(standIn.messages.length, 1);
    await page.locator('#node-config-input-secret').fill(`SEC${'w'.repeat(64)}`);
    await page.locator('#dingtalk-robot-test-button').click();
    await page.locator('#dingtalk-robot-test-result.fail', { hasText: /signature mismatch/ }).waitFor();
  });

  it('stays readable in Node-RED 5’s dark theme', async () => {
    page = await openEditor(browser, nodeRed.url, 'en-US', 'dark');
    const dark = await page.evaluate(`document.documentElement.classList.contains('nr-theme-dark')`);
    assert.equal(dark, true, 'the editor is in its dark scheme');
    await editNew(page, { id: 't-dark', type: 'pos-in', path: '/pos/dark', scheme: 'none' });
    for (const selector of ['.pos-in-url', '.pos-in-warning', 'label[for="node-input-path"]']) {
      const ratio = await contrast(page, selector);
      assert.ok(ratio >= 4.5, `${selector}: contrast ${ratio.toFixed(2)}`);
    }
  });
});
