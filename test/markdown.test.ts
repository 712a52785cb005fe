import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { marked, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { fixture, tempDir } from './helpers/paths.js';

/**
 * `report -f markdown` and `diff -f markdown`, read as GitHub would: parsed by a GFM markdown library (marked),
 * then checked cell by cell, so that a name that breaks a table or injects HTML fails the test.
 */

const dir = tempDir();

/** The tables of a markdown document, each cell as the plain text a reader sees (inline markup rendered, then text). */
function tablesOf(markdown: string): { header: string[]; rows: string[][] }[] {
  const text = (cell: Tokens.TableCell) => decodeHtml(marked.parseInline(cell.text) as string);
  const tables: { header: string[]; rows: string[][] }[] = [];
  marked.walkTokens(marked.lexer(markdown), (token) => {
    if (token.type === 'table') {
      const table = token as Tokens.Table;
      tables.push({ header: table.header.map(text), rows: table.rows.map((row) => row.map(text)) });
    }
  });
  return tables;
}

/** Rendered inline HTML to the text it shows: tags dropped (none is expected), entities decoded, invisible word joiners gone. */
function decodeHtml(html: string): string {
  return html
    .replace(/\u2060/g, '')
    .replace(/<\/?(strong|em)>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

describe('report -f markdown', () => {
  const hostile = [
    'parse|numbers',
    'tick`tock',
    '<img src=x onerror=alert(1)>',
    '*not bold*',
    '[link](http://example.com)',
    'a_b_c',
    'x#',
    '@octocat fix#123 GH-7',
  ];

  it('lists every function in a table GitHub renders, names exactly as they are, then the hottest paths', () => {
    const folded = join(dir, 'hostile.folded');
    // Five more plain functions, so that the table is long enough to be folded.
    const names = [...hostile, ...[1, 2, 3, 4, 5].map((i) => `plain${i}`)];
    writeFileSync(folded, names.map((name, i) => `main (app.js:1);${name} (app.js:${i + 2}) ${130 - i * 10}`).join('\n') + '\n');
    const result = runCli(['report', folded, '-f', 'markdown']);
    expect(result.status, result.stderr).toBe(0);
    const [functions, ...others] = tablesOf(result.stdout);
    expect(others).toHaveLength(1); // the folded rest
    expect(functions!.header).toEqual(['self', 'total', 'self samples', 'function', 'location']);
    // Every row has five cells: no name split a row. The first ten are open, the rest folded in <details>.
    expect(result.stdout).toMatch(/<details><summary>\d+ more functions<\/summary>/);
    const html = marked.parse(result.stdout) as string;
    expect(html).not.toMatch(/<img|<a |<em>|<code>/);
    // GitHub links mentions and issues in the rendered text, where escapes are gone: none may be left.
    expect(html).not.toMatch(/@[A-Za-z0-9]|#\d|GH-\d/i);
    const shown = tablesOf(result.stdout.replace(/<\/?details>|<summary>.*<\/summary>/g, '')).flatMap((table) => table.rows.map((row) => row[3]));
    expect(shown.sort()).toEqual([...names, 'main'].sort());
    const first = functions!.rows[0]!;
    expect(first).toEqual(['14.3%', '14.3%', '130', 'parse|numbers', 'app.js:2']);
    // The verdict first: the hottest function, by its own time.
    expect(result.stdout.split('\n')[2]).toBe('**Hottest function: parse\\|numbers**, 14.3% of the samples in its own code (app.js:2).');
    // Then the hottest root-to-leaf paths.
    const paths = result.stdout.slice(result.stdout.indexOf('### Hottest paths'));
    expect(paths).toMatch(/^1\. 14\.3%: main \(app\.js:1\) → parse\\\|numbers \(app\.js:2\)$/m);
  });

  it('reads a real recording: a table of the program’s functions with their shares', () => {
    const result = runCli(['report', fixture('profiles', 'hot-function.cpuprofile'), '-f', 'markdown', '-n', '5']);
    expect(result.status, result.stderr).toBe(0);
    const [functions] = tablesOf(result.stdout);
    expect(functions!.rows).toHaveLength(5);
    for (const row of functions!.rows) expect(row[0]).toMatch(/^\d+\.\d%$/);
    expect(functions!.rows[0]![3]).toBe('hotLoop');
  });
});

describe('diff -f markdown', () => {
  // Three real runs a side of regression.js, computeScore 60% slower after (scripts/record-fixtures.mjs).
  const before = fixture('recordings', 'regression', 'before-500');
  const after = fixture('recordings', 'regression', 'after-500');

  it('says the verdict first, then both sides, then tables a pull-request comment renders', () => {
    const result = runCli(['diff', before, after, '-f', 'markdown']);
    expect(result.status, result.stderr).toBe(0);
    const [verdict] = result.stdout.split('\n');
    expect(verdict).toMatch(/^## tsprof diff: 1 function regressed: computeScore \+\d+% \(p [<=] 0\.\d+\)/);
    expect(result.stdout).toMatch(/^- before: 3 runs · [\d,]+ samples/m);
    const [own, inclusive] = tablesOf(result.stdout);
    expect(own!.header).toEqual(['before', 'after', 'change', 'relative', 'verdict', 'p', 'function', 'location']);
    const compute = own!.rows.find((row) => row[6] === 'computeScore')!;
    expect(compute[4]).toBe('regressed');
    expect(Number(compute[1]!.replace('%', ''))).toBeGreaterThan(Number(compute[0]!.replace('%', '')));
    expect(inclusive!.rows.find((row) => row[6] === 'computeScore')![4]).toBe('regressed');
    // Written to a .md file, the same.
    const file = join(dir, 'diff.md');
    expect(runCli(['diff', before, after, '-o', file]).status).toBe(0);
  });
});
