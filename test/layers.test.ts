import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/paths.js';

/**
 * The layers of src/ point one way: model, files <- import/export/analyze/sourcemaps <- record/attach/in-process/endpoint/continuous
 * <- cli <- page, api (the library's read/write/diff/report) <- index.ts. A folder imports from lower layers,
 * or from a folder of its own layer only where no two folders import each other (no cycles). The preload
 * (what tsprof injects into the profiled program) imports nothing of tsprof's but itself. Read from the import
 * statements of every source file.
 */

const LAYER: Record<string, number> = {
  'version.ts': 0,
  types: 0,
  model: 0,
  preload: 0,
  files: 0,
  import: 1,
  export: 1,
  analyze: 1,
  sourcemaps: 1,
  record: 2,
  attach: 2,
  'in-process': 2,
  endpoint: 2,
  continuous: 2,
  cli: 3,
  page: 4,
  api: 4,
  'index.ts': 5,
};

const src = join(repoRoot, 'src');
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : /\.c?ts$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}
/** The top-level folder (or file) of src/ a path is in, `.js`/`.cjs` imports named by their sources. */
const partOf = (path: string) =>
  relative(src, path)
    .split('/')[0]!
    .replace(/\.c?js$/, '.ts');

const imports = sourceFiles(src).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g)].map((match) => ({
    file: relative(src, file),
    from: partOf(file),
    to: partOf(resolve(dirname(file), match[1] ?? match[2]!)),
  })),
);

describe('the layers of src/', () => {
  it('every folder is placed in a layer', () => {
    expect([...new Set(imports.flatMap((i) => [i.from, i.to]))].filter((part) => LAYER[part] === undefined)).toEqual([]);
  });

  it('no folder imports from a layer above its own', () => {
    expect(imports.filter((i) => LAYER[i.to]! > LAYER[i.from]!).map((i) => `${i.file} -> ${i.to}`)).toEqual([]);
  });

  it('no two folders depend on each other, however indirectly', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of imports) if (i.from !== i.to) edges.set(i.from, (edges.get(i.from) ?? new Set()).add(i.to));
    const reaches = (start: string, goal: string, seen = new Set<string>()): boolean =>
      [...(edges.get(start) ?? [])].some((next) => next === goal || (!seen.has(next) && (seen.add(next), reaches(next, goal, seen))));
    const cycles = [...edges].flatMap(([from, targets]) => [...targets].filter((to) => reaches(to, from)).map((to) => `${from} <-> ${to}`));
    expect(cycles).toEqual([]);
  });

  it('the preload imports nothing of tsprof but itself: it runs inside the profiled program', () => {
    expect(imports.filter((i) => i.from === 'preload' && i.to !== 'preload').map((i) => `${i.file} -> ${i.to}`)).toEqual([]);
  });

  it('finds the imports it checks (the check cannot pass by reading nothing)', () => {
    expect(imports.length).toBeGreaterThan(200);
    expect(imports).toContainEqual({ file: 'cli/main.ts', from: 'cli', to: 'version.ts' });
  });
});

/** `file:line: code` of every line of src/ whose code (comments left out) matches `pattern`. */
function codeLinesMatching(pattern: RegExp): string[] {
  return sourceFiles(src).flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line, index) => ({ where: `${relative(src, file)}:${index + 1}`, code: line.replace(/\/\/.*$|^\s*\*.*$/, '') }))
      .filter(({ code }) => pattern.test(code))
      .map(({ where, code }) => `${where}: ${code.trim()}`),
  );
}

describe('public Node API only', () => {
  // Private bindings and underscored process methods change or vanish between Node versions (signal_wrap is
  // gone from 24): tsprof supports 20 to 26 with what Node documents. Comments may name them.
  const PRIVATE = /\bprocess\.binding\(|\binternalBinding\(|\b_linkedBinding\(|\bprocess\._[a-zA-Z]+/;
  const uses = codeLinesMatching(PRIVATE);

  it('no source file calls a private binding or an underscored process method', () => {
    expect(uses).toEqual([]);
  });

  it('the check finds such a call where there is one', () => {
    expect(PRIVATE.test("const { Signal } = process.binding('signal_wrap');")).toBe(true);
    expect(PRIVATE.test("main.evaluate('process._debugEnd()')")).toBe(true);
    expect(PRIVATE.test("process.getBuiltinModule('node:inspector').close()")).toBe(false);
  });
});

describe('no spread of an unbounded array into arguments', () => {
  // `Math.max(...lines)` overflows the stack past ~100,000 values, and a profile decides how many there are.
  const SPREAD_ARGUMENTS = /\b(Math\.(min|max)|\.push|\.unshift|String\.fromCharCode)\((?:[^(){}]*,\s*)?\.\.\./;
  const uses = codeLinesMatching(SPREAD_ARGUMENTS);

  it('no source file spreads an array into Math.min/max, push, unshift or fromCharCode', () => {
    expect(uses).toEqual([]);
  });

  it('the check finds such a spread where there is one', () => {
    expect(SPREAD_ARGUMENTS.test('const last = Math.max(...sampled);')).toBe(true);
    expect(SPREAD_ARGUMENTS.test('lines.push(...(await more()));')).toBe(true);
    expect(SPREAD_ARGUMENTS.test('const last = Math.min(first, ...sampled);')).toBe(true);
    expect(SPREAD_ARGUMENTS.test('const last = sampled.reduce((a, b) => Math.max(a, b), 0);')).toBe(false);
    expect(SPREAD_ARGUMENTS.test('frames.push({ ...frame, line });')).toBe(false);
  });
});
