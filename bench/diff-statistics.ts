import { diffProfiles } from '../src/analyze/diff.js';
import { slowerProgram, syntheticProgram, syntheticRun } from '../test/helpers/synthetic-runs.js';

const pairs = Number(process.argv[2] ?? 200);
const spread = Number(process.argv[3] ?? 0);
const burst = Number(process.argv[4] ?? 6);
let falsePositives = 0;
let detected = 0;
let otherFlagged = 0;
for (let i = 0; i < pairs; i++) {
  const program = syntheticProgram(30, 1000 + i);
  const a = syntheticRun(program, { samples: 3000 + (i % 5) * 1000, seed: 2 * i + 1, runSpread: spread, burst });
  const b = syntheticRun(program, { samples: 5000, seed: 2 * i + 2, runSpread: spread, burst });
  const d = diffProfiles([a], [b], { cwd: '/' });
  if ([...d.self, ...d.total].some((r) => r.verdict !== 'noise')) falsePositives++;
  const target = 'work' + program.stacks.reduce((best, s, k) => (s.share > program.stacks[best]!.share ? k : best), 0);
  const c = syntheticRun(slowerProgram(program, target, 1.3), { samples: 4000, seed: 2 * i + 3, runSpread: spread, burst });
  const e = diffProfiles([a], [c], { cwd: '/' });
  if (e.self.find((r) => r.frame.name === target)?.verdict === 'regressed') detected++;
  if (e.self.some((r) => r.frame.name !== target && r.verdict === 'regressed')) otherFlagged++;
}
console.log({ pairs, spread, burst, falsePositiveRate: falsePositives / pairs, power: detected / pairs, otherRegressed: otherFlagged / pairs });
