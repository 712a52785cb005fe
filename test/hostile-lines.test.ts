import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/paths.js';

/**
 * Line numbers are data a profile chooses (issue 25, S2.5-7): the work of --list, the page and the dealing of
 * V8's per-line counts must follow the lines sampled, not the numbers named.
 */

const dir = tempDir();

/** A .cpuprofile with one function `work` in app.js whose samples are on `ticks` (line -> count). */
function profileWithTicks(name: string, ticks: [line: number, count: number][], samples = ticks.reduce((sum, [, count]) => sum + count, 0)): string {
  const path = join(dir, name);
  const sampleIds = new Array<number>(samples).fill(2);
  writeFileSync(
    path,
    JSON.stringify({
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [2] },
        {
          id: 2,
          callFrame: { functionName: 'work', scriptId: '1', url: 'file:///nowhere/app.js', lineNumber: 0, columnNumber: 0 },
          hitCount: samples,
          positionTicks: ticks.map(([line, count]) => ({ line, ticks: count })),
        },
      ],
      startTime: 0,
      endTime: samples * 100,
      samples: sampleIds,
      timeDeltas: sampleIds.map(() => 100),
    }),
  );
  return path;
}

describe('hostile line numbers', () => {
  it('--list of a function sampled on lines 3, 5,000,000 and 2^31 - 2 shows those lines, the long runs between as one row', () => {
    const profile = profileWithTicks('far-lines.cpuprofile', [
      [3, 2],
      [5_000_000, 1],
      [2 ** 31 - 2, 1],
    ]);
    const result = runCli(['report', profile, '--list', 'work']);
    expect(result.status, result.stderr).toBe(0);
    const rows = result.stdout.split('\n').slice(3).filter(Boolean);
    const lineColumn = (row: string) => {
      const cells = row.trim().split(/\s+/);
      return cells.length === 1 ? cells[0] : cells[2];
    };
    expect(rows.map(lineColumn)).toEqual(['1', '2', '3', '⋮', '5000000', '⋮', '2147483646']);
  });

  it('a function sampled on 200,000 distinct lines: --list, --lines and the page', () => {
    const ticks = Array.from({ length: 200_000 }, (_, i): [number, number] => [i + 1, 1]);
    const profile = profileWithTicks('many-lines.cpuprofile', ticks);
    const list = runCli(['report', profile, '--list', 'work'], { maxBuffer: 256 * 1024 * 1024 });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout.split('\n').filter((row) => /^\s+1\s+0\.0%\s+\d+/.test(row))).toHaveLength(200_000);
    expect(runCli(['report', profile, '--lines', '-n', '3']).status).toBe(0);
    const page = runCli(['convert', profile, '-o', join(dir, 'many-lines.html')]);
    expect(page.status, page.stderr).toBe(0);
  });

  it('a million samples of a function on 20,000 lines: report reads it, each line with the samples V8 gave it', () => {
    const ticks = Array.from({ length: 20_000 }, (_, i): [number, number] => [i + 1, 50]);
    const profile = profileWithTicks('dense-ticks.cpuprofile', ticks);
    const result = runCli(['report', profile, '--lines', '-n', '3']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^1,000,000 samples|· 1,000,000 samples/m);
    for (const row of result.stdout.split('\n').slice(2, 5)) expect(row).toMatch(/^\s*0\.0%\s+50\s+\/nowhere\/app\.js:\d+\s+work/);
  });
});
