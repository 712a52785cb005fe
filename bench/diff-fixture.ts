import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffProfiles, type ProfileDiff } from '../src/analyze/diff.js';
import { functionTable } from '../src/analyze/report.js';
import { readProfileFile } from '../src/cli/io.js';
import type { Profile } from '../src/model/profile.js';
import { seededRandom } from '../test/helpers/random.js';

/**
 * `tsprof diff` on real recordings of fixtures/programs/regression.js (computeScore holds a fifth of the
 * time; `--slow=N` makes it N% slower), all at tsprof's default 500 Hz, against the goals of issue 14:
 * - 3 runs a side of about 950 samples (2 s), computeScore 15% slower: called regressed in >= 90% of pairs;
 * - 1 run a side of about 4,700 samples (10 s), 30% slower: >= 80%;
 * - two sets of recordings of the same program: anything flagged in <= 5% of pairs.
 * Pairs are drawn (seeded) from a pool of recordings per variant; the sides of a same-program pair never
 * share a recording. Also each function's share per recording against the binomial, for docs/diff.md's power
 * table. About 8 minutes with the default pool of 8 short and 6 long recordings per variant.
 *
 *   npm run build && npx tsx bench/diff-fixture.ts [short runs per variant] [long runs per variant]
 */

const shortRuns = Number(process.argv[2] ?? 8);
const longRuns = Number(process.argv[3] ?? 6);
const PAIRS = 200;
const cli = join(import.meta.dirname, '..', 'bin', 'tsprof.js');
const program = join(import.meta.dirname, '..', 'fixtures', 'programs', 'regression.js');
const dir = mkdtempSync(join(tmpdir(), 'tsprof-diff-bench-'));

function record(output: string, seconds: number, slowdown: number): Profile {
  const args = [cli, 'record', '-o', output, '--', process.execPath, program, String(seconds), ...(slowdown > 0 ? [`--slow=${slowdown}`] : [])];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`record failed: ${result.stderr}`);
  return readProfileFile(output).profile;
}

/** `count` recordings of each variant, interleaved so that no variant always runs on a warmer machine. */
function pool(seconds: number, count: number, slowdowns: number[]): Map<number, Profile[]> {
  const recordings = new Map(slowdowns.map((s) => [s, [] as Profile[]]));
  mkdirSync(join(dir, String(seconds)));
  for (let i = 0; i < count; i++) {
    for (const slowdown of slowdowns) recordings.get(slowdown)!.push(record(join(dir, String(seconds), `slow${slowdown}-${i}.cpuprofile`), seconds, slowdown));
  }
  return recordings;
}

const random = seededRandom(14);
/** `count` distinct indexes below `n`, none of `avoid`. */
function pick(n: number, count: number, avoid: readonly number[] = []): number[] {
  const indexes = [...Array(n).keys()].filter((i) => !avoid.includes(i));
  for (let i = indexes.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!];
  }
  return indexes.slice(0, count);
}

const regressed = (diff: ProfileDiff) => diff.self.find((row) => row.frame.name === 'computeScore')?.verdict === 'regressed';
const flagged = (diff: ProfileDiff) => [...diff.self, ...diff.total].some((row) => row.verdict !== 'noise');
const otherRegressed = (diff: ProfileDiff) => diff.self.some((row) => row.frame.name !== 'computeScore' && row.verdict === 'regressed');

/** How often, over PAIRS drawn pairs of `runs` recordings a side, each outcome happens. */
function rates(recordings: Map<number, Profile[]>, slowdown: number, runs: number): { found: number; other: number; same: number } {
  const normal = recordings.get(0)!;
  const slower = recordings.get(slowdown)!;
  let found = 0;
  let other = 0;
  let same = 0;
  for (let i = 0; i < PAIRS; i++) {
    const before = pick(normal.length, runs);
    const slowDiff = diffProfiles(
      before.map((k) => normal[k]!),
      pick(slower.length, runs).map((k) => slower[k]!),
      { cwd: '/' },
    );
    if (regressed(slowDiff)) found++;
    if (otherRegressed(slowDiff)) other++;
    if (
      flagged(
        diffProfiles(
          before.map((k) => normal[k]!),
          pick(normal.length, runs, before).map((k) => normal[k]!),
          { cwd: '/' },
        ),
      )
    )
      same++;
  }
  return { found, other, same };
}

function shareTable(recordings: Map<number, Profile[]>, label: string): string[] {
  return [...recordings].map(([slowdown, profiles]) => {
    const shares = profiles.map((profile) => (functionTable(profile).find((row) => row.frame.name === 'computeScore')?.selfPercent ?? 0) / 100);
    const samples = profiles.reduce((sum, p) => sum + p.samples.length, 0) / profiles.length;
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    const sd = Math.sqrt(shares.reduce((a, b) => a + (b - mean) ** 2, 0) / (shares.length - 1));
    const binomial = Math.sqrt((mean * (1 - mean)) / samples);
    return (
      `| ${label}, ${slowdown === 0 ? 'unchanged' : `${slowdown}% slower`} | ${Math.round(samples)} | ` +
      `${shares.map((x) => (100 * x).toFixed(1)).join(' ')} | ${(100 * sd).toFixed(2)} | ${(100 * binomial).toFixed(2)} |`
    );
  });
}

try {
  const short = pool(2, shortRuns, [0, 15, 30]);
  const long = pool(10, longRuns, [0, 15, 30]);
  const percent = (count: number) => `${((100 * count) / PAIRS).toFixed(1)}%`;
  console.log(`${shortRuns} recordings of 2 s and ${longRuns} of 10 s per variant, 500 Hz; ${PAIRS} drawn pairs per row\n`);
  console.log('| runs a side | samples a run | computeScore | called regressed | anything flagged, same program | another function regressed |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, recordings, runs] of [
    ['2 s', short, 3],
    ['2 s', short, 1],
    ['10 s', long, 1],
    ['10 s', long, 3],
  ] as const) {
    const samples = Math.round(recordings.get(0)!.reduce((sum, p) => sum + p.samples.length, 0) / recordings.get(0)!.length);
    for (const slowdown of [15, 30]) {
      if (runs * 2 > recordings.get(0)!.length) continue;
      const { found, other, same } = rates(recordings, slowdown, runs);
      console.log(`| ${runs} | ${samples} (${name}) | ${slowdown}% slower | ${percent(found)} | ${percent(same)} | ${percent(other)} |`);
    }
  }
  console.log('\n| recordings | samples a run | computeScore share per recording, % | spread between recordings, points | binomial spread, points |');
  console.log('|---|---|---|---|---|');
  for (const line of [...shareTable(short, '2 s'), ...shareTable(long, '10 s')]) console.log(line);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
