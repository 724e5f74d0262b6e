// The fonts the tested browser may use: only Noto Sans CJK from npm (@embedpdf/fonts-sc; its Hans cut holds
// every GB 2312 and Big5 character, and Latin), so zh-CN and zh-TW screenshots show characters without a
// system font package, and look the same on every machine. Chromium reads it through fontconfig.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../../dev/repo-root';

const notoSansCjk = join(dirname(dirname(require.resolve('@embedpdf/fonts-sc'))), 'fonts');

/** Writes the fontconfig file and returns its path, for FONTCONFIG_FILE. */
export function fontConfigFile(): string {
  const folder = join(repoRoot, 'node_modules', '.cache', 'browser-fonts');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'fonts.conf');
  const conf = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${xmlText(notoSansCjk)}</dir>
  <cachedir>${xmlText(join(folder, 'cache'))}</cachedir>
</fontconfig>
`;
  // written aside and renamed, so a browser starting in another test process never reads half a file
  const aside = `${file}.${process.pid}`;
  writeFileSync(aside, conf);
  renameSync(aside, file);
  return file;
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
