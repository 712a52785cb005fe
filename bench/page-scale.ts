// The flamegraph page at the scale of an hour's recording: 1,000,000 samples with timestamps over about
// 100,000 distinct stacks (a synthetic .cpuprofile, converted by tsprof). Measures in headless Chromium the
// page's size, the time to its first drawn screen, and how long the page takes to answer a click in the
// function table (callers, callees, highlight) and a range dragged on the time track (graph and table
// redrawn for that range): the page's own `tsprof-select` and `tsprof-update` measures, then the next paint.
// Run: npm run build && npx tsx bench/page-scale.ts [samples] [stacks] [runs]   (needs Debian's chromium)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../test/helpers/browser.js';
import { answered, openTimed } from './page-timing.js';
import { syntheticCpuprofile } from './synthetic.js';

const samples = Number(process.argv[2] ?? 1_000_000);
const stacks = Number(process.argv[3] ?? 100_000);
const runs = Number(process.argv[4] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'tsprof-bench-'));
const bin = new URL('../bin/tsprof.js', import.meta.url).pathname;
const browser = await launchChromium();

try {
  const input = join(dir, 'hour.cpuprofile');
  writeFileSync(input, syntheticCpuprofile(samples, stacks));
  const html = join(dir, 'hour.html');
  const convert = spawnSync(process.execPath, [bin, 'convert', input, '-o', html], { encoding: 'utf8' });
  if (convert.status !== 0) throw new Error(convert.stderr);
  console.log(`input: ${samples.toLocaleString('en-US')} samples, ${stacks.toLocaleString('en-US')} stacks; page ${(statSync(html).size / 1e6).toFixed(2)} MB`);

  const drawn: number[] = [];
  const select: number[] = [];
  const range: number[] = [];
  for (let run = 0; run < runs; run++) {
    const { page, drawnMs } = await openTimed(browser, html);
    drawn.push(drawnMs);
    // A click on the table's second row (the callers and callees of a function called from many places).
    select.push(await answered(page, 'tsprof-select', () => page.locator('.function-table tbody tr').nth(1).click()));
    // A drag over the middle fifth of the time track.
    const lane = (await page.locator('canvas.track-lane').first().boundingBox())!;
    range.push(
      await answered(page, 'tsprof-update', async () => {
        await page.mouse.move(lane.x + lane.width * 0.4, lane.y + 10);
        await page.mouse.down();
        await page.mouse.move(lane.x + lane.width * 0.6, lane.y + 10, { steps: 2 });
        await page.mouse.up();
      }),
    );
    await page.close();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(`first screen painted (navigation start to the frame after drawing): median ${(median(drawn) / 1000).toFixed(2)} s`);
  console.log(`table click answered (computed, drawn, painted): median ${median(select).toFixed(0)} ms`);
  console.log(`range drag answered (graph and table recomputed, drawn, painted): median ${median(range).toFixed(0)} ms (${runs} runs)`);
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
