// Stryker's build step (stryker.config.mjs). Stryker links node_modules into its sandbox only after the build,
// and the build runs node_modules/.bin/tsc: link the project's node_modules first, then build as usual.
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

const sandbox = process.cwd();
let project = dirname(sandbox);
while (!existsSync(join(project, 'node_modules'))) {
  if (dirname(project) === project) throw new Error(`no node_modules above the sandbox ${sandbox}`);
  project = dirname(project);
}
if (!existsSync(join(sandbox, 'node_modules')))
  symlinkSync(join(project, 'node_modules'), join(sandbox, 'node_modules'), 'junction');
execFileSync(process.execPath, [join(sandbox, 'scripts/build.mjs')], { stdio: 'inherit' });
