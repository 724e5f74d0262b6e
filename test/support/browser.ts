// Chromium driven by playwright-core, pointed at the editor of a real Node-RED runtime. The browser is the
// one npm installed (npm-chromium.ts); CHROMIUM_PATH picks another, such as Debian's /usr/bin/chromium.
// Either way it sees only the fonts npm installed (browser-fonts.ts).
// Screenshots go to test-artifacts/ (git-ignored) so that a person can look at what the tests saw.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repoRoot } from '../../dev/repo-root';
import { fontConfigFile } from './browser-fonts';
import { npmChromium } from './npm-chromium';

export const artifacts = join(repoRoot, 'test-artifacts');

/** The executable to run and the environment it needs. */
async function chosenChromium(): Promise<{ executablePath: string; env: NodeJS.ProcessEnv }> {
  const env = { ...process.env, FONTCONFIG_FILE: fontConfigFile() };
  const chosen = process.env.CHROMIUM_PATH;
  if (chosen) return { executablePath: chosen, env };
  const { executablePath, libraryPath } = await npmChromium();
  const libraries = [libraryPath, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { executablePath, env: { ...env, LD_LIBRARY_PATH: libraries } };
}

export async function launchBrowser(): Promise<Browser> {
  const { executablePath, env } = await chosenChromium();
  return chromium.launch({
    executablePath,
    env,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      // this machine has no network: without these, Chromium keeps trying to reach Google's hosts
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Opens the editor in `locale` (and colour scheme) and waits until the palette holds our nodes. */
export async function openEditor(
  browser: Browser,
  url: string,
  locale = 'en-US',
  colorScheme: 'light' | 'dark' = 'light',
): Promise<Page> {
  const context = await browser.newContext({ locale, colorScheme, viewport: { width: 1400, height: 900 } });
  // Node-RED 5 keeps the user's light/dark choice in the browser (View settings); default light
  await context.addInitScript(`localStorage.setItem('view-dark-theme', ${JSON.stringify(colorScheme)})`);
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await page.waitForFunction(() => {
    const red = (globalThis as unknown as { RED?: { nodes?: { getType(type: string): unknown } } }).RED;
    return Boolean(red?.nodes?.getType('pos-in'));
  });
  await page.locator('.red-ui-palette-node[data-palette-type="pos-in"]').waitFor();
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifacts, { recursive: true });
  const file = join(artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The part of the editor's global RED object the browser tests use. */
export type EditorRed = {
  nodes: {
    getType(type: string): { category: string } | undefined;
    node(id: string): { valid?: boolean; type: string } | undefined;
    filterNodes(filter: { type?: string }): unknown[];
  };
  view: { importNodes(nodes: unknown[]): void };
  editor: { edit(node: unknown): void };
  workspaces: { active(): string };
};

/** Adds a node with these properties to the open workspace and opens its edit dialog. */
export async function editNew(page: Page, node: Record<string, unknown>): Promise<void> {
  await page.evaluate((n) => {
    const RED = (globalThis as unknown as { RED: EditorRed }).RED;
    RED.view.importNodes([{ x: 300, y: 200, z: RED.workspaces.active(), wires: [], ...n }]);
    RED.editor.edit(RED.nodes.node(n.id as string));
  }, node);
  await page.locator('#node-dialog-ok').waitFor();
}
