import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importProfile } from '../src/import/index.js';
import { frameName } from '../src/model/frame-display.js';
import type { Profile } from '../src/model/profile.js';
import { browserAvailable, launchChromium, openPage } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';
import { fixture, repoRoot, tempDir } from './helpers/paths.js';

const dir = tempDir();

interface ReportRow {
  name: string;
  location: string;
  self: number;
  total: number;
}

/** `tsprof report`'s rows, as its table prints them. */
function report(input: string, by: 'self' | 'total', top: number): ReportRow[] {
  const result = runCli(['report', input, '--by', by, '-n', String(top)]);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout
    .split('\n')
    .slice(2)
    .filter((line) => line.trim())
    .map((line) => {
      const [, self, total, name, location] = /^\s*[\d.]+%\s+[\d.]+%\s+(\d+)\s+(\d+)\s+(.*?)(?:\s{2,}(\S+))?\s*$/.exec(line)!;
      return { name: name!, location: location ?? '', self: Number(self), total: Number(total) };
    });
}

/** The page's function table, top `count` rows, with sample counts from each share cell's title. */
async function pageTable(page: Page, count: number): Promise<ReportRow[]> {
  return page.locator('.function-table tbody tr').evaluateAll(
    (rows, n) =>
      rows.slice(0, n).map((row) => {
        const cells = [...row.querySelectorAll('td')];
        const samples = (cell: Element) => Number(cell.getAttribute('title')!.replace(/[^\d]/g, ''));
        return { name: cells[2]!.textContent!, location: cells[3]!.textContent!, self: samples(cells[0]!), total: samples(cells[1]!) };
      }),
    count,
  );
}

/** The frames (functions) of each sample's stack, root first, and its time: the plain way to ask a profile questions. */
function samplesOf(profile: Profile): { names: string[]; time: number; thread: number }[] {
  const out = [];
  for (let i = 0; i < profile.samples.length; i++) {
    const names: string[] = [];
    for (let s = profile.samples.stack[i]!; s !== -1; s = profile.stacks.prefix[s]!) names.unshift(frameName(profile.frames[profile.stacks.frame[s]!]!));
    out.push({ names, time: profile.samples.time?.[i] ?? 0, thread: profile.samples.thread[i]! });
  }
  return out;
}

describe.skipIf(!browserAvailable())('the profile page answers where the time goes (headless Chromium)', () => {
  let browser: Browser;
  // A real, deep profile: TypeScript's compiler type-checking this repository.
  const tsc = join(dir, 'tsc.cpuprofile');
  const tscPage = join(dir, 'tsc.html');
  // Three phases (warmUp, busySecond, coolDown) on the main thread while a worker runs workerLoop.
  const phases = join(dir, 'phases.cpuprofile');
  const phasesPage = join(dir, 'phases.html');

  beforeAll(async () => {
    browser = await launchChromium();
    const typescript = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    let result = runCli(['record', '-f', 'cpuprofile', '-o', tsc, '--', 'node', typescript, '-p', join(repoRoot, 'tsconfig.json'), '--noEmit'], {
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    result = runCli(['convert', tsc, '-o', tscPage]);
    expect(result.status, result.stderr).toBe(0);
    result = runCli(['record', '-f', 'cpuprofile', '-o', phases, '--', 'node', fixture('programs', 'phases.js'), '700', '--worker']);
    expect(result.status, result.stderr).toBe(0);
    result = runCli(['convert', phases, '-o', phasesPage]);
    expect(result.status, result.stderr).toBe(0);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the root and the widest frames on the first screen, and the function table equals tsprof report', async () => {
    const { page, errors, requests } = await openPage(browser, tscPage, '', { width: 1280, height: 800 });
    const root = await page.locator('g.frame[name="all"]').boundingBox();
    expect(root!.y).toBeGreaterThanOrEqual(0);
    expect(root!.y + root!.height).toBeLessThan(800);
    expect(await page.locator('#details').textContent()).toMatch(/ · [\d,]+ samples · \d+ Hz$/);

    expect(await pageTable(page, 5)).toEqual(report(tsc, 'self', 5));
    await page.click('button.sort[data-sort="total"]');
    expect(await pageTable(page, 5)).toEqual(report(tsc, 'total', 5));

    // A search's share is the share of samples with a matching function on the stack, from the full profile
    // (not the pruned graph), so it equals the report's total for that function: tried on three functions
    // whose name no other function's name or location contains (the search would match those too).
    const everything = report(tsc, 'total', 100_000);
    const unique = (row: ReportRow) =>
      everything.filter((other) => `${other.name}\n${other.location}`.toLowerCase().includes(row.name.toLowerCase())).length === 1;
    const all = Number(/([\d,]+) samples/.exec((await page.locator('#details').textContent())!)![1]!.replace(/,/g, ''));
    const tried = everything
      .slice(5, 200)
      .filter((row) => row.name.length > 3 && unique(row))
      .slice(0, 3);
    expect(tried).toHaveLength(3);
    for (const row of tried) {
      await page.fill('#search', row.name);
      await expect.poll(() => page.locator('#search-result').textContent()).toMatch(/^1 function matches · [\d.]+% of what is shown$/);
      const shown = Number(/· ([\d.]+)%/.exec((await page.locator('#search-result').textContent())!)![1]);
      expect(Math.abs(shown - (100 * row.total) / all), row.name).toBeLessThan(0.1);
    }
    expect(errors).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('selecting a function lists its callers and callees with their shares, merged over every place it is called, and highlights its frames', async () => {
    const { page, errors } = await openPage(browser, tscPage);
    // A function called from several places: the table's hottest by total that has two callers or more.
    const profile = importProfile(readFileSync(tsc)).profile;
    const samples = samplesOf(profile);
    const callersOf = (fn: string) => {
      const callers = new Map<string, number>();
      const callees = new Map<string, number>();
      for (const { names } of samples) {
        const at = names.indexOf(fn); // the outermost call: each sample counted once
        if (at === -1) continue;
        const caller = at === 0 ? '(top of the stack: no caller)' : names[at - 1]!;
        callers.set(caller, (callers.get(caller) ?? 0) + 1);
        const callee = names[at + 1] ?? '(its own code)';
        callees.set(callee, (callees.get(callee) ?? 0) + 1);
      }
      return { callers, callees };
    };
    const candidates = report(tsc, 'total', 60).filter((row) => row.location && callersOf(row.name).callers.size >= 2);
    const chosen = candidates.find((row) => report(tsc, 'total', 400).filter((r) => r.name === row.name).length === 1)!;
    expect(chosen, 'a function with two callers in the tsc profile').toBeDefined();
    const expected = callersOf(chosen.name);

    await page.fill('#search', chosen.name);
    await page.locator('.function-table td.name').getByText(chosen.name, { exact: true }).first().click();
    await expect.poll(() => page.locator('#selected h2').textContent()).toBe(chosen.name);
    const merge = (map: Map<string, number>) => [...map].sort((a, b) => a[0].localeCompare(b[0]));
    // Names can repeat across files (two `(anonymous)` callers): compare the totals per name.
    const byName = (map: Map<string, number> | [string, number][]) => {
      const out = new Map<string, number>();
      for (const [name, count] of map) out.set(name, (out.get(name) ?? 0) + count);
      return out;
    };
    // Each row: its function and, in the share cell's title, its samples.
    const listed = (section: string) =>
      page
        .locator(`#selected .${section} tr`)
        .evaluateAll((rows) =>
          rows.map(
            (row) =>
              [row.querySelector('.name')!.textContent!, Number(row.querySelector('.share')!.getAttribute('title')!.replace(/[^\d]/g, ''))] as [string, number],
          ),
        );
    expect(merge(byName(await listed('callers')))).toEqual(merge(byName(expected.callers)));
    expect(merge(byName(await listed('callees')))).toEqual(merge(byName(expected.callees)));

    // With the search cleared, every drawn frame of the function is highlighted, and nothing else.
    await page.fill('#search', '');
    await expect.poll(() => page.locator('#search-result').textContent()).toBe('');
    const fills = await page
      .locator('g.frame')
      .evaluateAll((gs) => gs.map((g) => [g.getAttribute('name'), g.querySelector('rect')!.getAttribute('fill')] as const));
    const highlighted = fills.filter(([, fill]) => fill === '#e600e6');
    expect(highlighted.length).toBeGreaterThan(0);
    expect(new Set(highlighted.map(([name]) => name))).toEqual(new Set([chosen.name]));
    expect(errors).toEqual([]);
  });

  it('a range dragged over the busy second shows that second, and a thread chosen shows that thread', async () => {
    const { page, errors } = await openPage(browser, phasesPage);
    const profile = importProfile(readFileSync(phases)).profile;
    const samples = samplesOf(profile);
    const times = samples.map((s) => s.time);
    const start = Math.min(...times);
    const end = Math.max(...times) + 1;
    const busy = samples.filter((s) => s.names.at(-1) === 'busySecond').map((s) => s.time);
    const [from, to] = [Math.min(...busy), Math.max(...busy)];
    expect(await pageTable(page, 1)).toEqual([expect.objectContaining({ name: 'workerLoop' })]);

    // Drag over the middle half of busySecond's stretch, on the main thread's lane of the track.
    const lane = (await page.locator('canvas.track-lane').first().boundingBox())!;
    const x = (t: number) => lane.x + ((t - start) / (end - start)) * lane.width;
    await page.mouse.move(x(from + (to - from) * 0.25), lane.y + lane.height / 2);
    await page.mouse.down();
    await page.mouse.move(x(from + (to - from) * 0.5), lane.y + lane.height / 2, { steps: 4 });
    await page.mouse.move(x(from + (to - from) * 0.75), lane.y + lane.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => page.locator('.track-caption').textContent()).toMatch(/^Showing [\d.]+ s to [\d.]+ s/);
    // In that stretch the main thread ran busySecond and the worker workerLoop: nothing of warmUp or coolDown.
    const inRange = await pageTable(page, 10);
    expect(
      inRange
        .map((row) => row.name)
        .slice(0, 2)
        .sort(),
    ).toEqual(['busySecond', 'workerLoop']);
    expect(inRange.map((row) => row.name)).not.toContain('warmUp');
    expect(inRange.map((row) => row.name)).not.toContain('coolDown');

    // The main thread alone: busySecond on top; the hash keeps the range and the thread across a reload.
    const mainThread = await page
      .locator('#threads option')
      .evaluateAll((options) => options.find((o) => !o.textContent!.startsWith('worker') && o.getAttribute('value')!.startsWith('t:'))!.getAttribute('value')!);
    await page.selectOption('#threads', mainThread);
    await expect.poll(async () => (await pageTable(page, 1))[0]!.name).toBe('busySecond');
    expect((await pageTable(page, 10)).map((row) => row.name)).not.toContain('workerLoop');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#threads').inputValue()).toBe(mainThread);
    expect((await pageTable(page, 1))[0]!.name).toBe('busySecond');
    await expect.poll(() => page.locator('.track-caption').textContent()).toMatch(/^Showing /);
    // A click on the track shows the whole recording again.
    await page.mouse.click(lane.x + 5, lane.y + lane.height / 2);
    await expect.poll(async () => (await pageTable(page, 10)).map((row) => row.name)).toContain('warmUp');
    expect(errors).toEqual([]);
  });

  it('keeps the zoomed frame and the search across a reload; / searches, Esc resets', async () => {
    const { page, errors } = await openPage(browser, tscPage);
    const chartWidth = Number(await page.locator('svg.d3-flame-graph').getAttribute('width'));
    // A frame a user can see and click: drawn between 50 px and half the chart wide, its name drawn once.
    const drawn = await page.locator('g.frame').evaluateAll((gs) => gs.map((g) => [g.getAttribute('name')!, Number(g.getAttribute('width'))] as const));
    const once = (name: string) => drawn.filter(([other]) => other === name).length === 1;
    const [targetName] = drawn.find(([name, width]) => width > 50 && width < chartWidth / 2 && name !== 'all' && once(name))!;
    const target = { name: targetName };
    const frame = page.locator(`g.frame[name="${target.name}"]`).first();
    await frame.click();
    await expect.poll(async () => Number(await frame.getAttribute('width'))).toBeCloseTo(chartWidth, 0);
    await page.keyboard.press('/');
    await page.keyboard.type('check');
    await expect.poll(() => page.locator('#search-result').textContent()).toMatch(/functions? match/);
    const searchResult = await page.locator('#search-result').textContent();
    expect(page.url()).toMatch(/#.*search=check/);

    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#search').inputValue()).toBe('check');
    expect(await page.locator('#search-result').textContent()).toBe(searchResult);
    await expect.poll(async () => Number(await page.locator(`g.frame[name="${target.name}"]`).first().getAttribute('width'))).toBeCloseTo(chartWidth, 0);
    expect(await page.locator('#selected h2').textContent()).toBe(target.name);

    await page.locator('#search').focus();
    await page.keyboard.press('Escape');
    expect(await page.locator('#search').inputValue()).toBe('');
    expect(await page.locator('#selected').isHidden()).toBe(true);
    await expect.poll(async () => Number(await page.locator('g.frame[name="all"]').getAttribute('width'))).toBeCloseTo(chartWidth, 0);
    expect(page.url()).not.toContain('#');
    expect(errors).toEqual([]);
  });
});
