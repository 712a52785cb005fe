// How long the flamegraph page takes to open and draw a profile with 100,000 distinct stacks in headless
// Chromium: from navigation start to the drawn flamegraph (the page's `tsprof-drawn` mark) and to the next
// painted frame. Run: npx tsx bench/page-draw.ts [stacks] [runs]   (needs Debian's chromium)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../test/helpers/browser.js';
import { syntheticFolded } from './synthetic.js';

const stacks = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'tsprof-bench-'));
const bin = new URL('../bin/tsprof.js', import.meta.url).pathname;
const browser = await launchChromium();

try {
  const folded = join(dir, 'wide.folded');
  writeFileSync(folded, syntheticFolded(stacks));
  const html = join(dir, 'wide.html');
  const convert = spawnSync(process.execPath, [bin, 'convert', folded, '-o', html], { encoding: 'utf8' });
  if (convert.status !== 0) throw new Error(convert.stderr);
  console.log(`input: ${stacks.toLocaleString('en-US')} distinct stacks; page ${(statSync(html).size / 1e6).toFixed(2)} MB`);

  const drawn: number[] = [];
  const painted: number[] = [];
  let frames = 0;
  let pruned = '';
  for (let run = 0; run < runs; run++) {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    const times = await page.evaluate(
      () =>
        new Promise<[number, number]>((resolve) =>
          requestAnimationFrame(() => requestAnimationFrame(() => resolve([performance.getEntriesByName('tsprof-drawn')[0]!.startTime, performance.now()]))),
        ),
    );
    drawn.push(times[0]);
    painted.push(times[1]);
    frames = await page.locator('g.frame').count();
    pruned = (await page.locator('#pruned-note').textContent()) ?? '';
    await page.close();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(`drawn (script done): median ${(median(drawn) / 1000).toFixed(2)} s; painted: median ${(median(painted) / 1000).toFixed(2)} s (${runs} runs)`);
  console.log(`frames on screen: ${frames}; ${pruned}`);
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
