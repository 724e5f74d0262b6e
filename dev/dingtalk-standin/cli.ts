// The DingTalk stand-in from the command line:
//   node dist/dev/dingtalk-standin/cli.js [--port 8790] [--host 127.0.0.1] [--token T] [--secret SEC…]
//     [--keywords 'alert,告警'] [--rate 20] [--window-ms 60000] [--throttle-ms 600000] [--language en|zh]
// Prints the webhook URL and secret to paste into a dingtalk-robot node, and the page that shows the group.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type StandIn, start } from './index';

const USAGE = `usage: dingtalk-standin [--port 8790] [--host 127.0.0.1] [--token T] [--secret SEC…] [--no-secret]
  [--keywords a,b] [--rate 20] [--window-ms 60000] [--throttle-ms 600000] [--language en|zh]`;

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new Error(`--${name} must be a number, not "${value}"`);
  return number;
}

export async function main(argv = process.argv.slice(2)): Promise<StandIn> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      secret: { type: 'string' },
      'no-secret': { type: 'boolean' },
      keywords: { type: 'string' },
      rate: { type: 'string' },
      'window-ms': { type: 'string' },
      'throttle-ms': { type: 'string' },
      language: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const language = values.language ?? 'en';
  if (language !== 'en' && language !== 'zh') throw new Error('--language must be en or zh');
  const secret = values['no-secret'] ? undefined : (values.secret ?? `SEC${randomBytes(32).toString('hex')}`);
  const standin = await start({
    port: numberOption(values.port, 'port', 8790),
    host: values.host ?? '127.0.0.1',
    token: values.token ?? randomBytes(16).toString('hex'),
    ...(secret === undefined ? {} : { secret }),
    keywords: (values.keywords ?? '')
      .split(',')
      .map((keyword) => keyword.trim())
      .filter(Boolean),
    ratePerMinute: numberOption(values.rate, 'rate', 20),
    windowMs: numberOption(values['window-ms'], 'window-ms', 60_000),
    throttleMs: numberOption(values['throttle-ms'], 'throttle-ms', 600_000),
    language,
  });
  console.log(`DingTalk stand-in listening on ${standin.url}/ (the group page)`);
  console.log(`  DINGTALK_WEBHOOK=${standin.webhookUrl()}`);
  if (secret) console.log(`  DINGTALK_SECRET=${secret}`);
  console.log(`  allow this host in settings.js: dingtalkAllowedHosts: ['${standin.hostPort}']`);
  return standin;
}

if (require.main === module) {
  main().then(
    (standin) => {
      const stop = () => {
        standin.close().then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      console.error(USAGE);
      process.exit(2);
    },
  );
}
