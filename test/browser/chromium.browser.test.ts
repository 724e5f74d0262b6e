// The browser the browser tests drive comes from npm, so that `npm install && npm test` is enough on a
// machine without a system Chromium or a CJK font package: Chinese labels must show as characters.
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot } from '../support/browser';
import { npmChromiumVersion } from '../support/npm-chromium';

/** The slice of the page's canvas API that drawEach uses (the tests compile without the DOM types). */
type Canvas = {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    font: string;
    clearRect(x: number, y: number, w: number, h: number): void;
    fillText(text: string, x: number, y: number): void;
  } | null;
  toDataURL(): string;
};

/** One PNG data URL per character, each drawn alone: a font without the glyph draws the same box for all. */
function drawEach(page: Page, characters: string[]): Promise<string[]> {
  return page.evaluate((chars) => {
    const { document } = globalThis as unknown as { document: { createElement(tag: 'canvas'): Canvas } };
    const canvas = document.createElement('canvas');
    canvas.width = 48;
    canvas.height = 48;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2d canvas');
    return chars.map((char) => {
      context.clearRect(0, 0, 48, 48);
      context.font = '32px sans-serif';
      context.fillText(char, 4, 38);
      return canvas.toDataURL();
    });
  }, characters);
}

describe('the Chromium the browser tests drive', function () {
  this.timeout(120_000);
  let browser: Browser;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('is the Chromium that npm installed, unless CHROMIUM_PATH names another', function () {
    if (process.env.CHROMIUM_PATH) this.skip();
    assert.equal(browser.version().split('.')[0], npmChromiumVersion().split('.')[0]);
  });

  for (const [locale, sample] of [
    ['zh-CN', '事件接收钉钉库存'],
    ['zh-TW', '事件接收釘釘庫存'],
  ] as const) {
    it(`draws ${locale} text as characters, not boxes`, async () => {
      const page = await browser.newPage({ locale, viewport: { width: 640, height: 120 } });
      try {
        await page.setContent(`<p style="font: 40px sans-serif">${sample} POS</p>`);
        await screenshot(page, `chromium-${locale}`);
        const drawn = await drawEach(page, [...new Set(sample)]);
        assert.equal(new Set(drawn).size, drawn.length, `every ${locale} character has its own glyph`);
      } finally {
        await page.close();
      }
    });
  }
});
