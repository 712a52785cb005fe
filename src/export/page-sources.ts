import { linesByFunction } from '../analyze/lines.js';
import { functionTable } from '../analyze/report.js';
import { frameKind } from '../model/frame-display.js';
import type { Profile } from '../model/profile.js';
import type { PageSource } from './page-data.js';

/**
 * The source the page's panel shows for a selected function: its lines from its first to its last sampled
 * one, each with its own weight, for the hottest functions of the program's own files (not dependencies or
 * Node's internals), at most MAX_SOURCE_FUNCTIONS of them and MAX_SOURCE_LINES lines each, so that the page
 * stays small. The text comes from `readLines` (the caller's: the CLI reads files, this module does not).
 */
export const MAX_SOURCE_FUNCTIONS = 200;
const MAX_SOURCE_LINES = 400;

export function pageSources(profile: Profile, readLines: (file: string) => string[] | undefined): PageSource[] {
  const lines = linesByFunction(profile);
  if (lines.size === 0) return [];
  const sources: PageSource[] = [];
  for (const row of functionTable(profile)) {
    if (sources.length >= MAX_SOURCE_FUNCTIONS) break;
    if (row.self <= 0 || !row.frame.file || frameKind(row.frame) !== 'app') continue;
    const byLine = lines.get(row.frameId);
    if (!byLine) continue;
    const text = readLines(row.frame.file);
    if (!text) continue;
    // No spread of the sampled lines: a function may have hundreds of thousands.
    let lowest = row.frame.line ?? Infinity;
    let highest = -Infinity;
    for (const line of byLine.keys()) {
      lowest = Math.min(lowest, line);
      highest = Math.max(highest, line);
    }
    const first = Math.max(1, lowest);
    const last = Math.min(highest, first + MAX_SOURCE_LINES - 1, text.length);
    if (last < first) continue;
    const shown = text.slice(first - 1, last);
    sources.push({ fn: row.frameId, first, text: shown, self: shown.map((_, i) => byLine.get(first + i) ?? 0) });
  }
  return sources;
}
