import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importProfile } from '../src/import/index.js';
import { applySourceMaps } from '../src/sourcemaps/apply.js';
import { ScriptMaps } from '../src/sourcemaps/script-maps.js';
import { seededRandom } from '../test/helpers/random.js';

/**
 * How long mapping a profile back to TypeScript takes: 5,000 functions in 50 TypeScript files, bundled by
 * esbuild into one script with one source map, and a seeded .cpuprofile of 100,000 samples over frames at
 * the functions' real positions in the bundle. Times applySourceMaps alone (map parsing included: a fresh
 * ScriptMaps each run) and the whole `tsprof convert` of that profile with and without --no-source-maps.
 *
 *   npm run build && npx tsx bench/sourcemap-speed.ts [samples] [functions] [runs]
 */

const samples = Number(process.argv[2] ?? 100_000);
const functions = Number(process.argv[3] ?? 5000);
const runs = Number(process.argv[4] ?? 5);
const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'tsprof-sourcemap-bench-'));

try {
  // 50 files of TypeScript functions, each calling the next few, and an entry that imports them all.
  mkdirSync(join(dir, 'src'));
  const files = 50;
  const perFile = Math.ceil(functions / files);
  for (let f = 0; f < files; f++) {
    const body = Array.from({ length: perFile }, (_, i) => {
      const n = f * perFile + i;
      return (
        `export function fn${n}(x: number): number {\n  let sum: number = x;\n  for (let i = 0; i < 3; i++) sum += Math.sqrt(i + ${n});\n  return ` +
        `sum;\n}\n`
      );
    });
    writeFileSync(join(dir, 'src', `part${f}.ts`), body.join('\n'));
  }
  writeFileSync(join(dir, 'src', 'main.ts'), Array.from({ length: files }, (_, f) => `export * from './part${f}';`).join('\n'));
  execFileSync(
    join(root, 'node_modules', '.bin', 'esbuild'),
    ['src/main.ts', '--bundle', '--format=cjs', '--platform=node', '--sourcemap', '--outfile=dist/bundle.js'],
    { cwd: dir },
  );

  // Where each function starts in the bundle, 1-based line and V8's column (at the parameter list).
  const bundlePath = join(dir, 'dist', 'bundle.js');
  const lines = readFileSync(bundlePath, 'utf8').split('\n');
  const positions: { name: string; line: number; column: number }[] = [];
  lines.forEach((text, index) => {
    const match = /function (fn\d+)\(/.exec(text);
    if (match) positions.push({ name: match[1]!, line: index, column: match.index + `function ${match[1]}`.length });
  });

  // A call tree of those frames (root -> a few levels), and samples spread over it.
  const random = seededRandom(7);
  const url = pathToFileURL(bundlePath).href;
  const nodes: { id: number; callFrame: object; children: number[] }[] = [
    { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, children: [] },
  ];
  for (const position of positions) {
    const parent = Math.floor(random() * nodes.length);
    nodes.push({
      id: nodes.length + 1,
      callFrame: { functionName: position.name, scriptId: '1', url, lineNumber: position.line, columnNumber: position.column },
      children: [],
    });
    nodes[parent]!.children.push(nodes.length);
  }
  const sampleIds = Array.from({ length: samples }, () => 2 + Math.floor(random() ** 2 * (nodes.length - 1)));
  const profilePath = join(dir, 'bundle.cpuprofile');
  writeFileSync(profilePath, JSON.stringify({ nodes, startTime: 0, endTime: samples * 1000, samples: sampleIds, timeDeltas: sampleIds.map(() => 1000) }));

  const { profile } = importProfile(readFileSync(profilePath));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const mapTimes: number[] = [];
  let result: ReturnType<typeof applySourceMaps> | undefined;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    result = applySourceMaps(profile, new ScriptMaps());
    mapTimes.push(performance.now() - start);
  }
  // Every function must land on its own file and line: function i of a file starts at line 1 + 6i.
  const wrong = result!.profile.frames.filter((frame) => {
    const n = Number(/^fn(\d+)$/.exec(frame.name)?.[1] ?? NaN);
    if (Number.isNaN(n)) return false;
    return !frame.file?.endsWith(`/src/part${Math.floor(n / perFile)}.ts`) || frame.line !== 1 + 6 * (n % perFile);
  });
  if (wrong.length > 0) throw new Error(`${wrong.length} frames mapped to the wrong place, e.g. ${JSON.stringify(wrong[0])}`);

  const cli = join(root, 'bin', 'tsprof.js');
  const convertTimes = (extra: string[]) =>
    Array.from({ length: runs }, () => {
      const start = performance.now();
      execFileSync(process.execPath, [cli, 'convert', profilePath, '-o', join(dir, 'out.folded'), ...extra]);
      return performance.now() - start;
    });
  const withMaps = convertTimes([]);
  const withoutMaps = convertTimes(['--no-source-maps']);

  console.log(
    `${samples.toLocaleString('en-US')} samples, ${profile.frames.length.toLocaleString('en-US')} distinct frames, one bundle of ${positions.length} ` +
      `functions from ${files + 1} sources (map ${(readFileSync(`${bundlePath}.map`).length / 1e6).toFixed(1)} MB)`,
  );
  console.log(`| step | median of ${runs} | min-max |`);
  console.log('|---|---|---|');
  const row = (name: string, times: number[]) =>
    console.log(`| ${name} | ${median(times).toFixed(0)} ms | ${Math.min(...times).toFixed(0)}-${Math.max(...times).toFixed(0)} ms |`);
  row(`applySourceMaps (${result!.mapped} frames mapped, ${result!.unmapped} without map)`, mapTimes);
  row('tsprof convert -o out.folded', withMaps);
  row('tsprof convert -o out.folded --no-source-maps', withoutMaps);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
