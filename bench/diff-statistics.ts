import { diffProfiles } from '../src/analyze/diff.js';
import type { Profile } from '../src/model/profile.js';
import { slowerProgram, syntheticProgram, syntheticRun, type SyntheticProgram } from '../test/helpers/synthetic-runs.js';

/**
 * How often `tsprof diff` calls noise a change (false positives) and how often it finds a real one (power),
 * over many seeded synthetic pairs of profiles of a 30-function program: same program on both sides for the
 * false-positive rate, the hottest function made 30% slower on the after side for the power. The two sides
 * differ in length (3,000-7,000 samples before, 5,000 after per run).
 *
 *   npx tsx bench/diff-statistics.ts [pairs]        (default 1000 pairs per scenario)
 */

interface Scenario {
  name: string;
  runsPerSide: number;
  burst: number;
  runSpread: number;
}

const scenarios: Scenario[] = [
  { name: 'one run per side, independent samples', runsPerSide: 1, burst: 1, runSpread: 0 },
  { name: 'one run per side, bursts of 6 samples, 3% run spread', runsPerSide: 1, burst: 6, runSpread: 0.03 },
  { name: 'one run per side, independent samples, 3% run spread', runsPerSide: 1, burst: 1, runSpread: 0.03 },
  { name: '3 runs per side, independent samples, 3% run spread', runsPerSide: 3, burst: 1, runSpread: 0.03 },
  { name: '4 runs per side, bursts of 6 samples, 20% run spread', runsPerSide: 4, burst: 6, runSpread: 0.2 },
];

const pairs = Number(process.argv[2] ?? 1000);

function runs(program: SyntheticProgram, scenario: Scenario, seed: number, samples: number): Profile[] {
  return Array.from({ length: scenario.runsPerSide }, (_, r) =>
    syntheticRun(program, { samples, seed: seed * 16 + r, burst: scenario.burst, runSpread: scenario.runSpread }),
  );
}

console.log(`${pairs} seeded pairs per scenario; a 30-function program; "slower": its hottest function takes 30% more time\n`);
console.log('| scenario | pairs flagging anything (same program) | slower function found | another function called regressed |');
console.log('|---|---|---|---|');
for (const scenario of scenarios) {
  let falsePositives = 0;
  let found = 0;
  let wrong = 0;
  for (let i = 0; i < pairs; i++) {
    const program = syntheticProgram(30, 1000 + i);
    const hottest = program.stacks.reduce((best, s) => (s.share > best.share ? s : best)).frames.at(-1)!;
    const before = runs(program, scenario, 3 * i, 3000 + (i % 5) * 1000);
    const same = diffProfiles(before, runs(program, scenario, 3 * i + 1, 5000), { cwd: '/' });
    if ([...same.self, ...same.total].some((row) => row.verdict !== 'noise')) falsePositives++;
    const slower = diffProfiles(before, runs(slowerProgram(program, hottest, 1.3), scenario, 3 * i + 2, 5000), { cwd: '/' });
    if (slower.self.find((row) => row.frame.name === hottest)?.verdict === 'regressed') found++;
    if (slower.self.some((row) => row.frame.name !== hottest && row.verdict === 'regressed')) wrong++;
  }
  const percent = (count: number) => `${((100 * count) / pairs).toFixed(1)}%`;
  console.log(`| ${scenario.name} | ${percent(falsePositives)} | ${percent(found)} | ${percent(wrong)} |`);
}
