import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionTable } from '../src/analyze/report.js';
import { readProfileFile } from '../src/cli/io.js';

/**
 * `tsprof diff` on real recordings of fixtures/programs/regression.js, whose --slow switch makes computeScore
 * 30% slower: how often single runs and folders of 3 runs find it, and how often two recordings of the same
 * program are called different. Before: 2 s, after: 3 s, both at 1,000 Hz (as in test/diff.test.ts).
 * Also how much each step's share varies between the unchanged recordings beyond sampling noise: the
 * run-to-run spread that src/analyze/significance.ts assumes to be 3%.
 *
 *   npm run build && npx tsx bench/diff-fixture.ts [runs per variant]     (default 6)
 */

const runsPerVariant = Number(process.argv[2] ?? 6);
const cli = join(import.meta.dirname, '..', 'bin', 'tsprof.js');
const program = join(import.meta.dirname, '..', 'fixtures', 'programs', 'regression.js');
const dir = mkdtempSync(join(tmpdir(), 'tsprof-diff-bench-'));

function record(output: string, rate: number, seconds: number, slow: boolean): void {
  const args = [cli, 'record', '-r', String(rate), '-o', output, '--', process.execPath, program, String(seconds), ...(slow ? ['--slow'] : [])];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`record failed: ${result.stderr}`);
}

interface Row {
  function: string;
  verdict: string;
}
function diff(before: string, after: string): { self: Row[]; total: Row[] } {
  const result = spawnSync(process.execPath, [cli, 'diff', before, after, '-f', 'json'], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`diff failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** A folder of links to some recordings: one side of a several-runs diff. */
function folder(name: string, files: string[]): string {
  const path = join(dir, name);
  mkdirSync(path);
  files.forEach((file, i) => symlinkSync(file, join(path, `run${i}.cpuprofile`)));
  return path;
}

try {
  const normal = Array.from({ length: runsPerVariant }, (_, i) => join(dir, `normal${i}.cpuprofile`));
  const slow = Array.from({ length: runsPerVariant }, (_, i) => join(dir, `slow${i}.cpuprofile`));
  normal.forEach((file, i) => {
    record(file, 1000, 2, false);
    record(slow[i]!, 1000, 3, true);
  });

  const flagged = (d: { self: Row[]; total: Row[] }) => [...d.self, ...d.total].some((row) => row.verdict !== 'noise');
  const found = (d: { self: Row[] }) => d.self.some((row) => row.function === 'computeScore' && row.verdict === 'regressed');
  const wrong = (d: { self: Row[] }) => d.self.some((row) => row.function !== 'computeScore' && row.verdict === 'regressed');
  const rate = (hits: number, of: number) => `${hits}/${of}`;

  const samePairs: [string, string][] = [];
  for (let i = 0; i < normal.length; i++) for (let j = i + 1; j < normal.length; j++) samePairs.push([normal[i]!, normal[j]!]);
  const sameFlagged = samePairs.filter(([a, b]) => flagged(diff(a, b))).length;
  const slowPairs = normal.flatMap((a) => slow.map((b) => diff(a, b)));

  const groups = Math.floor(runsPerVariant / 3);
  const folders = Array.from({ length: groups }, (_, g) => ({
    normal: folder(`normal-folder${g}`, normal.slice(3 * g, 3 * g + 3)),
    slow: folder(`slow-folder${g}`, slow.slice(3 * g, 3 * g + 3)),
  }));
  const folderSlow = folders.flatMap((a) => folders.map((b) => diff(a.normal, b.slow)));
  const folderSame = folders.flatMap((a, i) => folders.slice(i + 1).map((b) => diff(a.normal, b.normal)));

  console.log(`${runsPerVariant} recordings of each variant\n`);
  console.log('| comparison | pairs | anything flagged (same program) | computeScore regressed | another function regressed |');
  console.log('|---|---|---|---|---|');
  console.log(`| one run per side | ${samePairs.length} same, ${slowPairs.length} slower | ${rate(sameFlagged, samePairs.length)} | ${rate(slowPairs.filter(found).length, slowPairs.length)} | ${rate(slowPairs.filter(wrong).length, slowPairs.length)} |`);
  console.log(`| 3 runs per side | ${folderSame.length} same, ${folderSlow.length} slower | ${rate(folderSame.filter(flagged).length, folderSame.length)} | ${rate(folderSlow.filter(found).length, folderSlow.length)} | ${rate(folderSlow.filter(wrong).length, folderSlow.length)} |`);

  console.log('\n| function | share in each unchanged recording | spread beyond sampling noise (of its share) |');
  console.log('|---|---|---|');
  const tables = normal.map((file) => {
    const { profile } = readProfileFile(file);
    return { rows: functionTable(profile), samples: profile.samples.length };
  });
  for (const name of ['parseInput', 'computeScore', 'renderOutput']) {
    const shares = tables.map((t) => (t.rows.find((row) => row.frame.name === name)?.selfPercent ?? 0) / 100);
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    const variance = shares.reduce((a, b) => a + (b - mean) ** 2, 0) / (shares.length - 1);
    const sampling = tables.reduce((a, t) => a + (mean * (1 - mean)) / t.samples, 0) / tables.length;
    const beyond = Math.sqrt(Math.max(0, variance - sampling)) / mean;
    console.log(`| ${name} | ${shares.map((x) => (100 * x).toFixed(1)).join(' ')} | ${(100 * beyond).toFixed(1)}% |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
