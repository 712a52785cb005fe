// What the page's hot-lines panel costs: a page whose profile names 250 functions of the program's own files
// (80 lines each, on disk) with executing lines, written with the source of the 200 hottest (the default)
// and with --no-sources. Measures the page's size, and in headless Chromium the time to its first drawn
// screen and to answer a click on the hottest function (callers, callees and its source panel drawn).
// Run: npm run build && npx tsx bench/page-sources.ts [samples] [runs]   (needs Debian's chromium)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../test/helpers/browser.js';
import { answered, openTimed } from './page-timing.js';

const samples = Number(process.argv[2] ?? 300_000);
const runs = Number(process.argv[3] ?? 5);
const FUNCTIONS = 250;
const LINES = 80;
const dir = mkdtempSync(join(tmpdir(), 'tsprof-bench-sources-'));
const bin = new URL('../bin/tsprof.js', import.meta.url).pathname;

/** A .cpuprofile: main calls f0..f249, each sampled on 20 of its lines, f0 the hottest. */
function profileWithLines(): string {
  mkdirSync(join(dir, 'src'));
  const url = (name: string) => pathToFileURL(join(dir, 'src', `${name}.js`)).href;
  const nodes: object[] = [
    { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [2] },
    { id: 2, callFrame: { functionName: 'main', scriptId: '1', url: url('main'), lineNumber: 0, columnNumber: 0 }, hitCount: 0, children: [] as number[] },
  ];
  const weights = Array.from({ length: FUNCTIONS }, (_, i) => 1 / (i + 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const hits = weights.map((w) => Math.max(1, Math.round((w / sum) * samples)));
  for (let i = 0; i < FUNCTIONS; i++) {
    const name = `f${i}`;
    writeFileSync(join(dir, 'src', `${name}.js`), Array.from({ length: LINES }, (_, line) => `  total += work(${i}, ${line}); // line ${line + 1}`).join('\n'));
    const ticks = Array.from({ length: 20 }, (_, k) => ({ line: 2 + k * 3, ticks: 0 }));
    for (let h = 0; h < hits[i]!; h++) ticks[h % 20]!.ticks++;
    nodes.push({
      id: 3 + i,
      callFrame: { functionName: name, scriptId: String(2 + i), url: url(name), lineNumber: 0, columnNumber: 0 },
      hitCount: hits[i],
      positionTicks: ticks.filter((tick) => tick.ticks > 0),
      children: [],
    });
    (nodes[1] as { children: number[] }).children.push(3 + i);
  }
  const sampleIds: number[] = [];
  hits.forEach((count, i) => {
    for (let k = 0; k < count; k++) sampleIds.push(3 + i);
  });
  // Interleaved in time, as a real recording would be.
  sampleIds.sort((a, b) => ((a * 7919) % 1000) - ((b * 7919) % 1000) || a - b);
  return JSON.stringify({ nodes, startTime: 0, endTime: sampleIds.length * 1000, samples: sampleIds, timeDeltas: sampleIds.map(() => 1000) });
}

const browser = await launchChromium();
try {
  const input = join(dir, 'lines.cpuprofile');
  writeFileSync(input, profileWithLines());
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(`${samples.toLocaleString('en-US')} samples over ${FUNCTIONS} functions of the program's own files; median of ${runs} runs`);
  console.log('| page | size | first screen painted | click on the hottest function answered |');
  console.log('| --- | --- | --- | --- |');
  for (const [label, flags] of [
    ['with sources (default)', []],
    ['--no-sources', ['--no-sources']],
  ] as const) {
    const html = join(dir, `${flags.length > 0 ? 'without' : 'with'}.html`);
    const convert = spawnSync(process.execPath, [bin, 'convert', input, '-o', html, ...flags], { cwd: dir, encoding: 'utf8' });
    if (convert.status !== 0) throw new Error(convert.stderr);
    const drawn: number[] = [];
    const select: number[] = [];
    for (let run = 0; run < runs; run++) {
      const { page, drawnMs } = await openTimed(browser, html);
      drawn.push(drawnMs);
      select.push(await answered(page, 'tsprof-select', () => page.locator('.function-table td.name').getByText('f0', { exact: true }).click()));
      if (flags.length === 0 && (await page.locator('#selected .source-table').count()) !== 1) throw new Error('no source panel');
      await page.close();
    }
    console.log(`| ${label} | ${(statSync(html).size / 1e6).toFixed(2)} MB | ${(median(drawn) / 1000).toFixed(2)} s | ${median(select).toFixed(0)} ms |`);
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
