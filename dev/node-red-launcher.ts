// Starts a real Node-RED (5.x, or 4.1 via the node-red-4 alias) in a child process with this package
// installed into a user directory, and drives it through the admin API as the editor does. Used by the
// end-to-end tests, the benchmarks and `npm start`.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export type FlowNode = { id: string; type: string; [key: string]: unknown };

export interface LaunchOptions {
  /** `node-red` (default) or another installed copy, such as `node-red-4`. */
  nodeRedPackage?: string;
  /** The built package to install (a folder with the package.json that scripts/build.mjs writes). */
  packageDir?: string;
  /** Kept as given (for restarts); a fresh temporary folder when omitted. */
  userDir?: string;
  port?: number;
  /** Extra settings.js entries (JSON values only). */
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Flows to start with (written to the flow file before start). */
  flows?: FlowNode[];
  /** Pass Node-RED's output through to this process (for `npm start`). */
  inheritOutput?: boolean;
  /** Extra Node.js options for the Node-RED process (for example --cpu-prof in a benchmark). */
  nodeOptions?: string[];
}

export interface NodeRed {
  url: string;
  port: number;
  userDir: string;
  process: ChildProcess;
  /** Everything Node-RED printed so far. */
  output(): string;
  /** Resolves when Node-RED has printed text matching `pattern` (from the start of its output). */
  waitForOutput(pattern: RegExp): Promise<void>;
  /** Deploys as the editor's Deploy button does: `full` (the default), or only the modified `nodes`/`flows`. */
  deploy(flows: FlowNode[], type?: 'full' | 'nodes' | 'flows'): Promise<void>;
  getFlows(): Promise<FlowNode[]>;
  inject(nodeId: string): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL, as a crash or `kill -9` would. */
  kill(): Promise<void>;
}

const PACKAGE_NAME = '@retail-ops/node-red-pos-dingtalk';

/** The build folder this file was compiled into (dist or .build/<name>), which holds the package. */
export const builtPackageDir = resolve(__dirname, '..');

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function installPackage(userDir: string, packageDir: string): void {
  const link = join(userDir, 'node_modules', PACKAGE_NAME);
  if (existsSync(link)) return;
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(packageDir, link, 'dir');
}

function writeSettings(userDir: string, port: number, extra: Record<string, unknown>): string {
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: port,
    flowFile: 'flows.json',
    credentialSecret: 'pos-dingtalk-test-credentials',
    logging: { console: { level: 'info', metrics: false, audit: false } },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    externalModules: { palette: { allowInstall: false }, modules: { allowInstall: false } },
    editorTheme: { tours: false, palette: {}, projects: { enabled: false } },
    ...extra,
  };
  const file = join(userDir, 'settings.js');
  writeFileSync(file, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
  return file;
}

function nodeRedScript(nodeRedPackage: string): string {
  return join(dirname(require.resolve(`${nodeRedPackage}/package.json`)), 'red.js');
}

export async function launchNodeRed(options: LaunchOptions = {}): Promise<NodeRed> {
  const userDir = options.userDir ?? mkdtempSync(join(tmpdir(), 'pos-dingtalk-nr-'));
  mkdirSync(userDir, { recursive: true });
  installPackage(userDir, options.packageDir ?? builtPackageDir);
  if (options.flows) writeFileSync(join(userDir, 'flows.json'), JSON.stringify(options.flows));
  const port = options.port ?? (await freePort());
  const settingsFile = writeSettings(userDir, port, options.settings ?? {});
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeOptions ?? []),
      nodeRedScript(options.nodeRedPackage ?? 'node-red'),
      '--userDir',
      userDir,
      '--settings',
      settingsFile,
    ],
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const watchers = new Set<() => void>();
  const onOutput = (chunk: Buffer) => {
    output += chunk.toString();
    if (options.inheritOutput) process.stdout.write(chunk);
    for (const watcher of watchers) watcher();
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));

  const url = `http://127.0.0.1:${port}`;
  const waitFor = (done: () => boolean, what: string) =>
    new Promise<void>((resolveWait, reject) => {
      const check = () => {
        if (done()) {
          watchers.delete(check);
          resolveWait();
        }
      };
      exited.then(() => {
        if (!done()) reject(new Error(`Node-RED exited before printing ${what}:\n${output}`));
      });
      watchers.add(check);
      check();
    });
  const waitForOutput = (pattern: RegExp) => waitFor(() => pattern.test(output), String(pattern));
  const startedFlows = () => output.split(/Started (?:flows|modified nodes|modified flows)/).length - 1;

  async function admin(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(`${url}${path}`, init);
    if (!response.ok)
      throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
    return response;
  }

  const nodeRed: NodeRed = {
    url,
    port,
    userDir,
    process: child,
    output: () => output,
    waitForOutput,
    async deploy(flows, type = 'full') {
      // the admin API answers before the new flows have started: wait until Node-RED says they have
      const startedBefore = startedFlows();
      await admin('/flows', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'Node-RED-API-Version': 'v2',
          'Node-RED-Deployment-Type': type,
        },
        body: JSON.stringify({ flows }),
      });
      await waitFor(() => startedFlows() > startedBefore, 'Started flows');
    },
    async getFlows() {
      const response = await admin('/flows', { headers: { 'Node-RED-API-Version': 'v2' } });
      return ((await response.json()) as { flows: FlowNode[] }).flows;
    },
    async inject(nodeId) {
      await admin(`/inject/${nodeId}`, { method: 'POST' });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  await waitForOutput(/Server now running at/);
  await waitForOutput(/Started flows/);
  return nodeRed;
}
