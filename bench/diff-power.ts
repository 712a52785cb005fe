import { diffProfiles } from '../src/analyze/diff.js';
import { slowerProgram, syntheticRun, type SyntheticProgram } from '../test/helpers/synthetic-runs.js';

/**
 * docs/diff.md's power table: how often `tsprof diff` calls a slower function regressed, by the function's
 * share of the time, how much slower it got, and how many runs of how many samples each side has. Seeded
 * synthetic recordings: independent samples, with each share varying 3% from run to run (real recordings of
 * fixtures/programs/regression.js vary about this much beyond the binomial: bench/diff-fixture.ts), of a
 * program of 20 functions beside the one that gets slower. Also how often the same program is called changed.
 *
 *   npx tsx bench/diff-power.ts [pairs per cell]        (default 200; about 2 minutes)
 */

const pairs = Number(process.argv[2] ?? 200);
const SHARES = [0.05, 0.1, 0.2, 0.4];
const SLOWDOWNS = [1.15, 1.3, 1.5];
const SIDES = [
  { runs: 1, samples: 1000 },
  { runs: 1, samples: 5000 },
  { runs: 3, samples: 1000 },
  { runs: 3, samples: 5000 },
  { runs: 5, samples: 1000 },
];

/** `target` with `share` of the time, and 20 other functions with skewed shares of the rest. */
function program(share: number): SyntheticProgram {
  const others = Array.from({ length: 20 }, (_, i) => 1 / (i + 1));
  const sum = others.reduce((a, b) => a + b, 0);
  return {
    stacks: [
      { frames: ['main', 'handler', 'target'], share },
      ...others.map((weight, i) => ({ frames: ['main', `handler${i % 4}`, `work${i}`], share: ((1 - share) * weight) / sum })),
    ],
  };
}

const runs = (p: SyntheticProgram, count: number, samples: number, seed: number) =>
  Array.from({ length: count }, (_, r) => syntheticRun(p, { samples, seed: seed * 8 + r, burst: 1, runSpread: 0.03 }));

console.log(`${pairs} seeded pairs per cell; share of "called regressed" (false positives: anything flagged, same program)\n`);
console.log(
  `| runs × samples a side | ${SHARES.flatMap((share) => SLOWDOWNS.map((s) => `${share * 100}%, +${Math.round((s - 1) * 100)}%`)).join(' | ')} | same ` +
    `program flagged |`,
);
console.log(`|---|${SHARES.flatMap(() => SLOWDOWNS.map(() => '---')).join('|')}|---|`);
for (const side of SIDES) {
  const cells: string[] = [];
  let flagged = 0;
  let sameTried = 0;
  for (const share of SHARES) {
    const base = program(share);
    for (const slowdown of SLOWDOWNS) {
      let found = 0;
      for (let i = 0; i < pairs; i++) {
        const seed = 1000 * i + Math.round(share * 100) * 10 + slowdown * 3;
        const before = runs(base, side.runs, side.samples, seed);
        const diff = diffProfiles(before, runs(slowerProgram(base, 'target', slowdown), side.runs, side.samples, seed + 500_000), { cwd: '/' });
        if (diff.self.find((row) => row.frame.name === 'target')?.verdict === 'regressed') found++;
        if (slowdown === SLOWDOWNS[0]) {
          sameTried++;
          const same = diffProfiles(before, runs(base, side.runs, side.samples, seed + 900_000), { cwd: '/' });
          if ([...same.self, ...same.total].some((row) => row.verdict !== 'noise')) flagged++;
        }
      }
      cells.push(`${Math.round((100 * found) / pairs)}%`);
    }
  }
  console.log(`| ${side.runs} × ${side.samples.toLocaleString('en-US')} | ${cells.join(' | ')} | ${((100 * flagged) / sameTried).toFixed(1)}% |`);
}
