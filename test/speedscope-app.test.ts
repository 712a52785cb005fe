import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';
import { fixture, tempDir } from './helpers/paths.js';
import { serveFolders } from './helpers/static-server.js';

/**
 * The real speedscope app (from its npm package) opens tsprof's folded, speedscope and cpuprofile output,
 * and its Sandwich view, a table of functions by self time, puts the fixture's hot function first.
 */
const dir = tempDir();
const speedscopeApp = dirname(createRequire(import.meta.url).resolve('speedscope/dist/release/index.html'));

describe.skipIf(!browserAvailable())('speedscope opens what tsprof writes', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveFolders>>;
  beforeAll(async () => {
    browser = await launchChromium();
    server = await serveFolders({ '/app/': speedscopeApp, '/out/': dir });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const output of ['hot.folded', 'hot.speedscope.json', 'hot.cpuprofile']) {
    it(output, async () => {
      expect(runCli(['convert', fixture('profiles', 'hot-function.cpuprofile'), '-o', join(dir, output)]).status).toBe(0);
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const profileUrl = `${server.origin}/out/${output}`;
      await page.goto(`${server.origin}/app/index.html#profileURL=${encodeURIComponent(profileUrl)}&title=${output}`);
      await page.getByText('Sandwich').click({ timeout: 15_000 });
      // The table's text runs header, then "total (share) self (share) name" per row: hotLoop's row comes first.
      const firstRow = /Symbol Name[\d.]+(ms)? \([\d.]+%\)[\d.]+(ms)? \((?<self>[\d.]+)%\)hotLoop/;
      await expect.poll(async () => (await page.textContent('body')) ?? '', { timeout: 15_000 }).toMatch(firstRow);
      const selfShare = Number(firstRow.exec((await page.textContent('body'))!)!.groups!.self);
      expect(selfShare).toBeGreaterThan(80);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
