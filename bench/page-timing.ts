import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

/**
 * How long a tsprof page took to answer: milliseconds from the start of the page's next `name` measure (its
 * handler's work: `tsprof-select`, `tsprof-update`) to the frame painted after it. For the page benchmarks.
 */
export async function answered(page: Page, name: string, act: () => Promise<void>): Promise<number> {
  const before = await page.evaluate((n) => performance.getEntriesByName(n).length, name);
  await act();
  // A string, not a function: tsx would wrap a named inner function in a helper the page does not have.
  return page.evaluate(`new Promise((resolve) => {
    const check = () => {
      const entries = performance.getEntriesByName(${JSON.stringify(name)});
      if (entries.length > ${before}) requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - entries.at(-1).startTime)));
      else requestAnimationFrame(check);
    };
    check();
  })`);
}

/** Opens a page from file:// in a 1600x1000 tab; `drawnMs`: navigation start to the frame painted after it drew. */
export async function openTimed(browser: Browser, html: string): Promise<{ page: Page; drawnMs: number }> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(pathToFileURL(html).href);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  const drawnMs = await page.evaluate(
    () => new Promise<number>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))),
  );
  return { page, drawnMs };
}
