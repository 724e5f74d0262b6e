// `npm start` as a newcomer runs it (the compiled demo that `npm start` launches after building): Node-RED
// comes up with the store-operations flow, the POS simulator's signed events flow through it, the DingTalk
// stand-in's page lists the alerts, and Ctrl-C stops everything cleanly.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtPackageDir, freePort } from '../../dev/node-red-launcher';

/** Resolves with the child's output once it matches `pattern`. */
function printed(child: ChildProcess, pattern: RegExp): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) resolve(output);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`the demo exited (${code}) before printing ${pattern}:\n${output}`)),
    );
  });
}

/** Waits for a condition another process makes true, checking it every 200 ms until `deadlineMs`. */
async function eventually<T>(probe: () => Promise<T | undefined>, deadlineMs: number): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('the condition did not come true in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('npm start: the one-command demo (end to end)', function () {
  this.timeout(120_000);
  let demo: ChildProcess;
  let userDir: string;

  after(() => {
    if (demo && demo.exitCode === null) demo.kill('SIGKILL');
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('comes up, the simulated POS events become alerts on the stand-in page, and Ctrl-C stops it', async () => {
    userDir = mkdtempSync(join(tmpdir(), 'demo-'));
    const [port, standInPort] = [await freePort(), await freePort()];
    demo = spawn(process.execPath, [join(builtPackageDir, 'dev', 'demo.js')], {
      env: {
        ...process.env,
        PORT: String(port),
        STANDIN_PORT: String(standInPort),
        SIM_RATE: '5',
        DEMO_USER_DIR: userDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const banner = await printed(demo, /Ctrl-C stops everything/);
    assert.match(banner, new RegExp(`Node-RED editor\\s+http://127\\.0\\.0\\.1:${port}/`));
    assert.match(banner, new RegExp(`DingTalk stand-in\\s+http://127\\.0\\.0\\.1:${standInPort}/`));

    const standIn = `http://127.0.0.1:${standInPort}`;
    const messages = await eventually(async () => {
      const answer = await fetch(`${standIn}/api/messages`);
      const { messages: list } = (await answer.json()) as { messages: { body: Record<string, unknown> }[] };
      const texts = list.map((m) => JSON.stringify(m.body));
      const order = texts.some((t) => t.includes('New order #'));
      const stock = texts.some((t) => t.includes('Replenish'));
      return order && stock ? texts : undefined;
    }, 60_000);
    assert.ok(messages.length >= 2);
    const stats = (await (await fetch(`${standIn}/api/stats`)).json()) as { robots: { signed: boolean }[] };
    assert.equal(stats.robots[0]?.signed, true, 'the demo robot checks signatures, as a real one does');
    const page = await (await fetch(`${standIn}/`)).text();
    assert.match(page, /<html/i);

    const editor = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(editor.status, 200);

    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    demo.kill('SIGINT');
    assert.equal(await exited, 0);
  });
});
