import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { LiveWindow } from '../src/analyze/live-window.js';
import { fitLabel, renderTop } from '../src/cli/top-view.js';

/** A V8 cpuprofile whose samples run `leaves[i]` (a function of `path`, /app.js, called by main) at `timesUs[i]`. */
function chunk(leaves: string[], timesUs: number[], path = '/app.js'): unknown {
  const names = [...new Set(leaves)];
  const node = (id: number, functionName: string, children: number[] = []) => ({
    id,
    callFrame: { functionName, scriptId: '1', url: functionName.startsWith('(') ? '' : `file://${path}`, lineNumber: id, columnNumber: 0 },
    children,
  });
  const nodes = [
    node(1, '(root)', [2]),
    node(
      2,
      'main',
      names.map((_, i) => 3 + i),
    ),
    ...names.map((name, i) => node(3 + i, name)),
  ];
  const samples = leaves.map((leaf) => 3 + names.indexOf(leaf));
  const timeDeltas = timesUs.map((t, i) => t - (i === 0 ? timesUs[0]! : timesUs[i - 1]!));
  return { nodes, startTime: timesUs[0], endTime: timesUs[timesUs.length - 1], samples, timeDeltas };
}

const S = 1_000_000;

describe('LiveWindow: the hottest functions of the last seconds', () => {
  it('sums self and total over the window, idle samples counted apart', () => {
    const window = new LiveWindow(5, '/elsewhere');
    window.add('t1', chunk(['hot', 'hot', 'hot', 'cold', '(idle)'], [10 * S, 10 * S + 1, 10 * S + 2, 10 * S + 3, 10 * S + 4]));
    const snapshot = window.snapshot(11 * S, 'self');
    expect(snapshot.samples).toBe(5);
    expect(snapshot.idle).toBe(1);
    expect(snapshot.rows.map((row) => [row.label, row.self, row.total])).toEqual([
      ['hot (/app.js:4)', 3, 3],
      ['cold (/app.js:5)', 1, 1],
      ['main (/app.js:3)', 0, 4],
    ]);
    expect(window.snapshot(11 * S, 'total').rows[0]!.label).toBe('main (/app.js:3)');
  });

  it('forgets seconds that left the window, and samples two overlapping chunks share', () => {
    const window = new LiveWindow(3, '/elsewhere');
    window.add('t1', chunk(['old', 'old'], [10 * S, 10 * S + 10]));
    window.add('t1', chunk(['old', 'new'], [10 * S + 10, 12 * S])); // the first sample repeats the last one
    expect(window.snapshot(12 * S, 'self').rows.find((row) => row.label.startsWith('old'))?.self).toBe(2);
    const later = window.snapshot(13 * S, 'self');
    expect(later.rows.map((row) => row.label)).toEqual(['new (/app.js:5)', 'main (/app.js:3)']);
    expect(later.samples).toBe(1);
    expect(later.seconds).toBe(3);
  });
});

describe('top never lets a frame drive the terminal', () => {
  it('shows control characters in a function name as escapes', () => {
    const window = new LiveWindow(5, '/elsewhere');
    window.add('t1', chunk(['evil\u001b]0;pwned\u0007', 'evil\u001b]0;pwned\u0007'], [10 * S, 10 * S + 1]));
    const lines = renderTop(window.snapshot(11 * S, 'self'), { title: 't', by: 'self', rows: 5, width: 200, keys: false }, new Chalk({ level: 0 }));
    expect(lines.join('\n')).toContain('evil\\x1b]0;pwned\\x07');
    expect(lines.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});

describe('top in a narrow terminal', () => {
  it('fits each row in 80 columns by cutting the middle of the path, never the line number', () => {
    const path = '/home/user/projects/service/node_modules/@scope/some-library/dist/internal/handlers/request-pipeline.js';
    const window = new LiveWindow(5, '/elsewhere');
    window.add('t1', chunk(['handleIncomingRequestWithRetries', 'handleIncomingRequestWithRetries'], [10 * S, 10 * S + 1], path));
    const lines = renderTop(window.snapshot(11 * S, 'self'), { title: 't', by: 'self', rows: 5, width: 80, keys: true }, new Chalk({ level: 0 }));
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    const row = lines.find((line) => line.includes('handleIncoming'));
    expect(row).toMatch(/ handleIncoming\w*… \(…\/request-pipeline\.js:4\)$/);
    // The caller's shorter name leaves room for more of the path.
    expect(lines.find((line) => line.includes(' main ('))).toMatch(/ main \(\/home\/user\/\S*…\S*\/request-pipeline\.js:3\)$/);
    expect(lines).toContain('keys: s sort by self, t sort by total, q quit');
  });

  it('keeps a label that fits as it is; cuts the path to its file before the name, and the name to 12 at least', () => {
    expect(fitLabel('main (app.js:3)', 40)).toBe('main (app.js:3)');
    expect(fitLabel(`${'x'.repeat(60)} (a/b/c.js:12)`, 40)).toBe(`${'x'.repeat(27)}… (…/c.js:12)`);
    expect(fitLabel(`${'x'.repeat(60)} (a/b/a-very-long-file-name.js:12)`, 30)).toBe(`${'x'.repeat(11)}… (…ile-name.js:12)`);
    expect(fitLabel('(garbage collector)', 10)).toBe('(garbage …');
  });
});
