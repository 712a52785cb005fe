// Makes the README's picture, docs/images/flamegraph.png: the page tsprof writes for a committed recording
// (4 processes, 6 threads), as headless Chromium draws it at 1280x860.
// Run: npm run build && node scripts/screenshot.mjs   (needs Debian's chromium)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsprof-screenshot-'));
try {
  const page = join(work, 'page.html');
  const recording = join(root, 'fixtures', 'recordings', 'threads', 'two.cpuprofile');
  execFileSync(process.execPath, [join(root, 'bin', 'tsprof.js'), 'convert', recording, '-o', page, '--no-sources'], { stdio: 'inherit' });
  execFileSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--virtual-time-budget=5000',
      '--window-size=1280,860',
      `--screenshot=${join(root, 'docs', 'images', 'flamegraph.png')}`,
      pathToFileURL(page).href,
    ],
    { stdio: ['ignore', 'ignore', 'ignore'], timeout: 60_000 },
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
