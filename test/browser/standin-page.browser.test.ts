// The DingTalk stand-in's page, as a person sees it in the demo: the store-operations example's alerts,
// markdown rendered, mentions highlighted, newest first. Its screenshot is the one in the README.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { type StandIn, start as startStandIn } from '../../dev/dingtalk-standin';
import { type FlowNode, launchNodeRed, type NodeRed } from '../../dev/node-red-launcher';
import { repoRoot } from '../../dev/repo-root';
import { launchBrowser, screenshot } from '../support/browser';

describe('the DingTalk stand-in page (Chromium)', function () {
  this.timeout(120_000);
  let standIn: StandIn;
  let nodeRed: NodeRed;
  let browser: Browser;

  before(async () => {
    standIn = await startStandIn({ secret: `SEC${'p'.repeat(64)}` });
    nodeRed = await launchNodeRed({
      env: {
        POS_WEBHOOK_SECRET: 'page-secret',
        DINGTALK_WEBHOOK: standIn.webhookUrl(),
        DINGTALK_SECRET: standIn.secret ?? '',
      },
      settings: { dingtalkAllowedHosts: [standIn.hostPort] },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await nodeRed?.stop();
    await standIn?.close();
    if (nodeRed) rmSync(nodeRed.userDir, { recursive: true, force: true });
  });

  it('lists the store-operations alerts the way a DingTalk group shows them', async () => {
    const flow = JSON.parse(
      readFileSync(join(repoRoot, 'examples', '05-store-operations.json'), 'utf8'),
    ) as FlowNode[];
    await nodeRed.deploy(flow);
    const clicks: [string, number][] = [
      ['ex5-i1', 1],
      ['ex5-i2', 3],
      ['ex5-i3', 4],
      ['ex5-i5', 4],
      ['ex5-i6', 4],
      ['ex5-i6b', 5],
    ];
    for (const [id, total] of clicks) {
      await nodeRed.inject(id);
      await standIn.waitForMessages(total);
    }
    const page = await browser.newPage({ viewport: { width: 900, height: 1100 }, locale: 'en-US' });
    await page.goto(standIn.url);
    await page.getByText('Van VAN-7 left its route').first().waitFor();
    await page.getByText('Replenish Milk tea base').first().waitFor();
    const html = await page.content();
    assert.match(html, /<strong>/, 'markdown is rendered');
    assert.match(html, /13800000000/, 'the mention is shown');
    await screenshot(page, 'standin-page');
    await page.close();
  });
});
