// `npm run bench`: every benchmark, one after another, each printing its table with its baseline measured in
// the same run. Paste the tables into BENCHMARKS.md with the machine and Node.js version printed here.
import { cpus, totalmem } from 'node:os';
import { main as dingtalkCore } from './dingtalk-core';
import { main as dingtalkSend } from './dingtalk-send';
import { main as lowStock } from './low-stock';
import { main as posIn } from './pos-in';
import { main as posSwitch } from './pos-switch';
import { main as routeGeofence } from './route-geofence';

const benchmarks: [string, () => Promise<unknown>][] = [
  ['pos-in', posIn],
  ['pos-switch', posSwitch],
  ['low-stock', lowStock],
  ['route-geofence', routeGeofence],
  ['dingtalk core', () => dingtalkCore([])],
  ['dingtalk-send', dingtalkSend],
];

async function run(): Promise<void> {
  const only = process.argv.slice(2);
  console.log(
    `Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'} · ${Math.round(totalmem() / 2 ** 30)} GiB`,
  );
  for (const [name, bench] of benchmarks) {
    if (only.length > 0 && !only.includes(name)) continue;
    console.log(`\n## ${name}`);
    await bench();
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
