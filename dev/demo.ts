// `npm start`: the whole product on one machine. Starts the DingTalk stand-in (unless DINGTALK_WEBHOOK points
// at a real robot), Node-RED with these nodes and the store-operations example (its user directory is
// .node-red/, git-ignored, kept between runs), and the POS simulator posting signed events to it.
// Settings: PORT (Node-RED, 1880), STANDIN_PORT (8790), SIM_RATE (events per second, 1), POS_WEBHOOK_SECRET,
// DINGTALK_WEBHOOK and DINGTALK_SECRET (a real robot), SIM=off (no simulator), DEMO_USER_DIR (instead of
// .node-red/).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type StandIn, start as startStandIn } from './dingtalk-standin';
import { type FlowNode, launchNodeRed, type NodeRed } from './node-red-launcher';
import { PosSimulator } from './pos-simulator';
import { repoRoot } from './repo-root';

export const DEMO_FLOW = 'examples/05-store-operations.json';
export const DEMO_WEBHOOK_PATH = '/pos/events';

export interface Demo {
  nodeRed: NodeRed;
  standIn: StandIn | undefined;
  simulator: PosSimulator | undefined;
  stop(): Promise<void>;
}

export interface DemoOptions {
  port?: number;
  standInPort?: number;
  userDir?: string;
  simulatorRate?: number;
  simulator?: boolean;
  env?: NodeJS.ProcessEnv;
  quiet?: boolean;
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const env = options.env ?? process.env;
  const posSecret = env.POS_WEBHOOK_SECRET || `demo-${randomBytes(12).toString('hex')}`;
  const real = Boolean(env.DINGTALK_WEBHOOK);
  const standIn = real
    ? undefined
    : await startStandIn({
        port: options.standInPort ?? 8790,
        secret: `SEC${randomBytes(32).toString('hex')}`,
        keywords: [],
        language: 'en',
      });
  const dingtalk = standIn
    ? { DINGTALK_WEBHOOK: standIn.webhookUrl(), DINGTALK_SECRET: standIn.secret ?? '' }
    : { DINGTALK_WEBHOOK: env.DINGTALK_WEBHOOK ?? '', DINGTALK_SECRET: env.DINGTALK_SECRET ?? '' };

  const userDir = options.userDir ?? join(repoRoot, '.node-red');
  mkdirSync(userDir, { recursive: true });
  const firstRun = !existsSync(join(userDir, 'flows.json'));
  const nodeRed = await launchNodeRed({
    userDir,
    port: options.port ?? 1880,
    env: { POS_WEBHOOK_SECRET: posSecret, ...dingtalk },
    settings: standIn ? { dingtalkAllowedHosts: [standIn.hostPort] } : {},
    inheritOutput: !options.quiet,
  });
  if (firstRun) {
    await nodeRed.deploy(JSON.parse(readFileSync(join(repoRoot, DEMO_FLOW), 'utf8')) as FlowNode[]);
  }

  const simulator =
    options.simulator === false
      ? undefined
      : new PosSimulator({
          url: `${nodeRed.url}${DEMO_WEBHOOK_PATH}`,
          secret: posSecret,
          rate: options.simulatorRate ?? 1,
        });
  simulator?.start();

  return {
    nodeRed,
    standIn,
    simulator,
    async stop() {
      simulator?.stop();
      await nodeRed.stop();
      await standIn?.close();
    },
  };
}

async function main(): Promise<void> {
  const demo = await startDemo({
    port: Number(process.env.PORT ?? 1880),
    standInPort: Number(process.env.STANDIN_PORT ?? 8790),
    simulatorRate: Number(process.env.SIM_RATE ?? 1),
    simulator: process.env.SIM !== 'off',
    ...(process.env.DEMO_USER_DIR ? { userDir: process.env.DEMO_USER_DIR } : {}),
  });
  const lines = [
    '',
    `  Node-RED editor     ${demo.nodeRed.url}/`,
    `  POS webhook         ${demo.nodeRed.url}${DEMO_WEBHOOK_PATH}`,
    demo.standIn
      ? `  DingTalk stand-in   ${demo.standIn.url}/   (the group's messages, newest first)`
      : '  DingTalk            the real robot in DINGTALK_WEBHOOK',
    demo.simulator ? '  POS simulator       posting signed orders, stock counts and van positions' : '',
    '',
    '  Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.filter((line, i) => line || i === 0 || i >= lines.length - 3).join('\n'));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    demo.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
