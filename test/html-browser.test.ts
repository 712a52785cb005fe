import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';
import { fixture, tempDir } from './helpers/paths.js';

const dir = tempDir();
const INJECTION = '</script><script>alert(1)</script>';

interface OpenedPage {
  page: Page;
  errors: string[];
  requests: string[];
  dialogs: string[];
}

describe.skipIf(!browserAvailable())('the flamegraph page in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(htmlPath: string): Promise<OpenedPage> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const opened: OpenedPage = { page, errors: [], requests: [], dialogs: [] };
    page.on('console', (message) => {
      if (message.type() === 'error') opened.errors.push(message.text());
    });
    page.on('pageerror', (error) => opened.errors.push(error.message));
    page.on('request', (request) => opened.requests.push(request.url()));
    page.on('dialog', async (dialog) => {
      opened.dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    await page.goto(pathToFileURL(htmlPath).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    await page.waitForSelector('g.frame', { timeout: 10_000 });
    return opened;
  }

  const frame = (page: Page, name: string) => page.locator(`g.frame[name="${name}"]`).first();

  it('loads from file:// without console errors or network requests, and draws the flamegraph', async () => {
    const html = join(dir, 'hot.html');
    expect(runCli(['convert', fixture('profiles', 'hot-function.cpuprofile'), '-o', html]).status).toBe(0);
    const { page, errors, requests } = await open(html);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(html).href]);
    expect(await page.locator('g.frame').count()).toBeGreaterThan(10);
    expect(await page.locator('#title').textContent()).toBe('hot-function.cpuprofile');
    expect(await page.locator('#details').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC · [\d.]+ ms · \d+ samples · \d+ Hz$/);

    // Search is literal: a typed "(" must not throw, and a match shows its share of the total.
    await page.fill('#search', 'hotLoop');
    await expect.poll(() => page.locator('#search-result').textContent()).toMatch(/^1 frame match · (\d+\.\d+)% of total$/);
    const share = Number(/· ([\d.]+)%/.exec((await page.locator('#search-result').textContent())!)![1]);
    expect(share).toBeGreaterThan(50);
    await page.fill('#search', '(');
    await expect.poll(() => page.locator('#search-result').textContent()).toMatch(/frames? match/);
    await page.fill('#search', 'no such function at all');
    await expect.poll(() => page.locator('#search-result').textContent()).toBe('no match');
    await page.fill('#search', '');

    // The tooltip names samples, percent and file:line.
    await frame(page, 'hotLoop').hover();
    await expect.poll(() => page.locator('.d3-flame-graph-tip').textContent()).toMatch(/hotLoop\s*fixtures\/programs\/hot-function\.js:5|hotLoop\s*\S*hot-function\.js:5/);
    expect(await page.locator('.d3-flame-graph-tip').textContent()).toMatch(/\d+ samples · \d+\.\d+% of total/);

    // A click zooms: the clicked frame takes the whole width; reset brings the root back.
    const chartWidth = Number(await page.locator('svg.d3-flame-graph').getAttribute('width'));
    const warmWidth = Number(await frame(page, 'warmHelper').getAttribute('width'));
    expect(warmWidth).toBeLessThan(chartWidth / 2);
    await frame(page, 'warmHelper').click();
    await expect.poll(async () => Number(await frame(page, 'warmHelper').getAttribute('width'))).toBeCloseTo(chartWidth, 0);
    await page.click('#reset-zoom');
    await expect.poll(async () => Number(await frame(page, 'warmHelper').getAttribute('width'))).toBeCloseTo(warmWidth, 0);

    // Flame/icicle: the root moves from the bottom to the top.
    const rootY = async () => (await frame(page, 'all').boundingBox())!.y;
    const flameY = await rootY();
    await page.click('#toggle-orientation');
    await expect.poll(rootY).toBeLessThan(flameY);
    expect(await page.locator('#toggle-orientation').textContent()).toBe('Flame view');
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

  it('says how much of a large profile was merged into callers', async () => {
    const lines = ['main;big 100000'];
    for (let i = 0; i < 2000; i++) lines.push(`main;small${i} 1`);
    const folded = join(dir, 'wide.folded');
    writeFileSync(folded, `${lines.join('\n')}\n`);
    const html = join(dir, 'wide.html');
    expect(runCli(['convert', folded, '-o', html]).status).toBe(0);
    const { page, errors } = await open(html);
    expect(errors).toEqual([]);
    expect(await page.locator('#pruned-note').textContent()).toMatch(/^2,000 frames narrower than 0\.05% of the total \(1\.96% of it\) are merged into their callers\.$/);
  });
});
