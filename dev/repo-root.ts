import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found from wherever this was compiled to (dist/ or .build/<name>/). */
function findRoot(from: string): string {
  if (existsSync(join(from, 'biome.json'))) return from;
  const parent = dirname(from);
  if (parent === from) throw new Error('repository root not found');
  return findRoot(parent);
}

export const repoRoot = findRoot(__dirname);
