// The Chromium that npm installs: @sparticuz/chromium ships a headless Chromium, brotli-compressed, with the
// NSS and expat libraries it links (built for Amazon Linux, they also serve a Debian that lacks them). We
// unpack it once per package version under node_modules/.cache, so no system browser and no download.
import { spawn } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { repoRoot } from '../../dev/repo-root';

export type NpmChromium = { executablePath: string; libraryPath: string };

/** The package's folder (its exports hide package.json, so go up from its entry point). */
const packageDir = dirname(dirname(require.resolve('@sparticuz/chromium')));

export function npmChromiumVersion(): string {
  return (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Unpacks the browser on first use; later calls, and other test processes, reuse the unpacked copy. */
export async function npmChromium(): Promise<NpmChromium> {
  const cache = join(repoRoot, 'node_modules', '.cache');
  const target = join(cache, `sparticuz-chromium-${npmChromiumVersion()}`);
  if (!existsSync(target)) {
    mkdirSync(cache, { recursive: true });
    const staging = mkdtempSync(join(cache, 'sparticuz-chromium-unpacking-'));
    try {
      await unbrotli(join(packageDir, 'bin', 'chromium.br'), join(staging, 'chromium'));
      await chmod(join(staging, 'chromium'), 0o755);
      await untar(join(packageDir, 'bin', 'al2023.tar.br'), staging);
      // whole or not at all: a run stopped half way leaves only a staging folder, never a broken target
      renameSync(staging, target);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(target)) throw error; // else another test process unpacked it first
    }
  }
  return { executablePath: join(target, 'chromium'), libraryPath: join(target, 'lib') };
}

function unbrotli(from: string, to: string): Promise<void> {
  return pipeline(createReadStream(from), createBrotliDecompress(), createWriteStream(to));
}

/** Debian's tar (an essential package) reads the decompressed archive from its standard input. */
async function untar(from: string, into: string): Promise<void> {
  const tar = spawn('tar', ['-x', '-C', into], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve, reject) => {
    tar.once('error', reject);
    tar.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited with ${code}`))));
  });
  await Promise.all([pipeline(createReadStream(from), createBrotliDecompress(), tar.stdin), exited]);
}
