import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium, openPage } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';
import { fixtureProfileHere, tempDir } from './helpers/paths.js';

const dir = tempDir();
const INJECTION = '</script><script>alert(1)</script>';

describe.skipIf(!browserAvailable())('the flamegraph page in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const open = (htmlPath: string) => openPage(browser, htmlPath);

  const frame = (page: Page, name: string) => page.locator(`g.frame[name="${name}"]`).first();

  it('loads from file:// without console errors or network requests, and draws the flamegraph', async () => {
    const html = join(dir, 'hot.html');
    expect(runCli(['convert', fixtureProfileHere('hot-function.cpuprofile'), '-o', html]).status).toBe(0);
    const { page, errors, requests } = await open(html);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(html).href]);
    expect(await page.locator('g.frame').count()).toBeGreaterThan(10);
    expect(await page.locator('#title').textContent()).toBe('hot-function.cpuprofile');
    // Last, how many functions' source the page carries for their hot lines (the fixture's files are on disk).
    expect(await page.locator('#details').textContent()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d UTC · [\d.]+ ms · \d+ samples · \d+ Hz · source of \d+ functions? inside$/,
    );

    // Search is literal: a typed "(" must not throw, and a match shows its share of the total.
    await page.fill('#search', 'hotLoop');
    await expect.poll(() => page.locator('#search-result').textContent()).toMatch(/^1 function matches · (\d+\.\d+)% of what is shown$/);
    const share = Number(/· ([\d.]+)%/.exec((await page.locator('#search-result').textContent())!)![1]);
    expect(share).toBeGreaterThan(50);
    await page.fill('#search', '(');
    await expect.poll(() => page.locator('#search-result').textContent()).toMatch(/functions? match/);
    await page.fill('#search', 'no such function at all');
    await expect.poll(() => page.locator('#search-result').textContent()).toBe('no match');
    await page.fill('#search', '');

    // The tooltip names samples, percent and file:line.
    await frame(page, 'hotLoop').hover();
    await expect
      .poll(() => page.locator('.d3-flame-graph-tip').textContent())
      .toMatch(/hotLoop\s*fixtures\/programs\/hot-function\.js:5|hotLoop\s*\S*hot-function\.js:5/);
    expect(await page.locator('.d3-flame-graph-tip').textContent()).toMatch(/\d+ samples · \d+\.\d+% of what is shown/);

    // A click zooms: the clicked frame takes the whole width; reset brings the root back.
    const chartWidth = Number(await page.locator('svg.d3-flame-graph').getAttribute('width'));
    const warmWidth = Number(await frame(page, 'warmHelper').getAttribute('width'));
    expect(warmWidth).toBeLessThan(chartWidth / 2);
    await frame(page, 'warmHelper').click();
    await expect.poll(async () => Number(await frame(page, 'warmHelper').getAttribute('width'))).toBeCloseTo(chartWidth, 0);
    await page.click('#reset-zoom');
    await expect.poll(async () => Number(await frame(page, 'warmHelper').getAttribute('width'))).toBeCloseTo(warmWidth, 0);

    // Icicle first (the root on top, under the header); Flame puts it at the bottom, below its callees.
    const y = async (name: string) => (await frame(page, name).boundingBox())!.y;
    expect(await y('all')).toBeLessThan(await y('hotLoop'));
    await page.click('#view-flame');
    await expect.poll(async () => (await y('all')) - (await y('hotLoop'))).toBeGreaterThan(0);
    expect(await page.locator('#view-flame').getAttribute('aria-pressed')).toBe('true');
    expect(errors).toEqual([]);
  });

  it('shows a frame named like a script injection as text and never runs it', async () => {
    const folded = join(dir, 'evil.folded');
    writeFileSync(folded, `main;${INJECTION} 90\nmain;other 10\n`);
    const html = join(dir, 'evil.html');
    expect(runCli(['convert', folded, '-o', html]).status).toBe(0);
    const { page, errors, dialogs } = await open(html);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.locator('script').count()).toBe(2);
    await expect.poll(() => page.locator('.d3-flame-graph-label', { hasText: INJECTION }).count()).toBe(1);
    expect(await page.locator('g.frame').evaluateAll((gs, name) => gs.filter((g) => g.getAttribute('name') === name).length, INJECTION)).toBe(1);
  });

  it(
    'draws a differential page: widths from after, red regressed, blue improved, noise pale, new and gone frames named, tooltip with both and the ' + 'verdict',
    async () => {
      const before = join(dir, 'diff-before.folded');
      const after = join(dir, 'diff-after.folded');
      writeFileSync(before, `main;grows 100\nmain;shrinks 300\nmain;same 200\nmain;gone 100\nmain;${INJECTION} 50\nmain;wobbles 40\n`);
      writeFileSync(after, `main;grows 300\nmain;shrinks 100\nmain;same 200\nmain;fresh 96\nmain;${INJECTION} 50\nmain;wobbles 44\n`);
      const html = join(dir, 'diff.html');
      const result = runCli(['diff', before, after, '-o', html]);
      expect(result.status, result.stderr).toBe(0);
      const { page, errors, requests, dialogs } = await open(html);
      expect(errors).toEqual([]);
      expect(dialogs).toEqual([]);
      expect(requests).toEqual([pathToFileURL(html).href]);
      expect(await page.locator('#title').textContent()).toBe(`tsprof diff: ${before} → ${after}`);
      expect(await page.locator('#details').textContent()).toMatch(/^before: 1 run · 790 samples \(\S+\) · after: 1 run · 790 samples \(\S+\)$/);

      const fill = async (name: string) => (await frame(page, name).locator('rect').getAttribute('fill'))!;
      const hue = (color: string) => Number(/^hsl\((\d+),/.exec(color)![1]);
      expect(hue(await fill('grows'))).toBe(0);
      expect(await fill('grows')).not.toBe('hsl(0, 0%, 90%)');
      expect(hue(await fill('shrinks'))).toBe(220);
      expect(await fill('same')).toBe('hsl(0, 0%, 90%)');
      // A change the significance test calls noise is pale, whichever way it went; the legend says so.
      const lightness = (color: string) => Number(/(\d+)%\)$/.exec(color)![1]);
      expect(lightness(await fill('wobbles'))).toBeGreaterThan(90);
      expect(lightness(await fill('grows'))).toBeLessThan(75);
      expect(await page.locator('#legend').textContent()).toContain('regressed: own time grew beyond noise');
      // Widths from the after profile: grows is three times shrinks.
      const width = async (name: string) => Number(await frame(page, name).getAttribute('width'));
      expect((await width('grows')) / (await width('shrinks'))).toBeCloseTo(3, 1);
      expect(await page.locator('g.frame[name="[new] fresh"]').count()).toBe(1);
      expect(
        await page
          .locator('g.frame[name="gone"], g.frame[name="[gone] gone"]')
          .evaluateAll((gs) => gs.filter((g) => Number(g.getAttribute('width')) > 0).length),
      ).toBe(0);

      await frame(page, 'grows').hover();
      await expect.poll(() => page.locator('.d3-flame-graph-tip').textContent()).toContain('self:  before 12.66% → after 37.97% (+25.32 pts)');
      expect(await page.locator('.d3-flame-graph-tip').textContent()).toMatch(/verdict: regressed, own time \+\d+% \(p < 0\.001\)/);
      await frame(page, 'wobbles').hover();
      await expect.poll(() => page.locator('.d3-flame-graph-tip').textContent()).toMatch(/verdict: no significant change \(p = [01]\.\d{3}\)/);
      // The frame named like a script is text, never code.
      expect(await page.locator('script').count()).toBe(2);

      // Widths from the before profile show what disappeared.
      await page.click('#widths-before');
      expect(await page.locator('#widths-before').getAttribute('aria-pressed')).toBe('true');
      await expect.poll(async () => Number(await page.locator('g.frame[name="[gone] gone"]').getAttribute('width'))).toBeGreaterThan(10);
      await expect.poll(async () => (await width('shrinks')) / (await width('grows'))).toBeCloseTo(3, 1);
      expect(errors).toEqual([]);
    },
  );

  it('says how much of a large profile was merged into callers, and a zoomed frame shows the detail the whole view leaves out', async () => {
    const lines = ['main;big 100000'];
    for (let i = 0; i < 2000; i++) lines.push(`main;small${i} 1`);
    // 200 callees of 0.045% each: too narrow for the whole view, a 0.5% slice each of their zoomed caller.
    for (let i = 0; i < 200; i++) lines.push(`main;mid;tiny${i} 50`);
    const folded = join(dir, 'wide.folded');
    writeFileSync(folded, `${lines.join('\n')}\n`);
    const html = join(dir, 'wide.html');
    expect(runCli(['convert', folded, '-o', html]).status).toBe(0);
    const { page, errors } = await open(html);
    expect(errors).toEqual([]);
    expect(await page.locator('#pruned-note').textContent()).toMatch(
      /^2,200 frames narrower than 0\.10% of the total \(10\.71% of it\) are merged into their callers in the graph\.$/,
    );
    expect(await page.locator('g.frame[name="tiny7"]').count()).toBe(0);
    await frame(page, 'mid').click();
    await expect.poll(() => page.locator('g.frame[name^="tiny"]').count()).toBe(200);
    expect(await page.locator('#pruned-note').textContent()).toMatch(/^2,000 frames narrower/);
    await page.click('#reset-zoom');
    await expect.poll(() => page.locator('g.frame[name^="tiny"]').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
