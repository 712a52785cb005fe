import { ProfileBuilder } from '../../src/model/builder.js';
import type { Profile } from '../../src/model/profile.js';
import { seededRandom } from './random.js';

/**
 * Synthetic runs of one made-up program, for the diff's statistics: a fixed set of call stacks, each with a
 * true share of the time, sampled the way a real profiler sees a real program: in bursts (a function called
 * once runs for several consecutive samples), with jittered sample times, and optionally with a little
 * run-to-run variation of every share (a run is never an exact copy of the one before).
 */

export interface SyntheticProgram {
  /** Each stack root first, with its share of the time (shares need not add up to 1). */
  stacks: { frames: string[]; share: number }[];
}

/** A program of `functions` functions under a few request handlers, with skewed shares as real programs have. */
export function syntheticProgram(functions: number, seed: number): SyntheticProgram {
  const random = seededRandom(seed);
  const stacks = Array.from({ length: functions }, (_, i) => ({
    frames: ['main', `handler${i % 4}`, `work${i}`],
    share: 0.2 + random() ** 3 * 10,
  }));
  return { stacks };
}

/** The same program with the stack whose leaf is `leaf` taking `factor` times its time. */
export function slowerProgram(program: SyntheticProgram, leaf: string, factor: number): SyntheticProgram {
  return { stacks: program.stacks.map((s) => (s.frames.at(-1) === leaf ? { ...s, share: s.share * factor } : s)) };
}

export interface RunOptions {
  samples: number;
  seed: number;
  /** Mean number of consecutive samples of one stack. Default 6. */
  burst?: number;
  /** Relative standard deviation of each share from run to run. Default 0. */
  runSpread?: number;
  /** Sampling interval in microseconds. Default 1000. */
  intervalUs?: number;
}

/** One recording of `program` as a profile with sample times. */
export function syntheticRun(program: SyntheticProgram, options: RunOptions): Profile {
  const random = seededRandom(options.seed);
  const burst = options.burst ?? 6;
  const intervalUs = options.intervalUs ?? 1000;
  const spread = options.runSpread ?? 0;
  const weights = program.stacks.map((s) => s.share * Math.max(0.05, 1 + spread * gaussian(random)));
  const cumulative: number[] = [];
  weights.reduce((sum, w, i) => (cumulative[i] = sum + w), 0);
  const all = cumulative.at(-1)!;

  const builder = new ProfileBuilder('samples');
  const frameIds = new Map<string, number>();
  const stackIds = program.stacks.map((s) =>
    builder.stackOf(
      s.frames.map((name) => {
        let id = frameIds.get(name);
        if (id === undefined) frameIds.set(name, (id = builder.internFrame({ name, file: '/srv/app/server.js', line: 1 + frameIds.size })));
        return id;
      }),
    ),
  );
  let time = 0;
  let left = 0;
  let stack = 0;
  for (let i = 0; i < options.samples; i++) {
    if (left === 0) {
      const r = random() * all;
      stack = cumulative.findIndex((c) => r < c);
      // Geometric burst length with mean `burst`.
      left = 1 + Math.floor(Math.log(1 - random()) / Math.log(1 - 1 / burst));
    }
    left--;
    time += intervalUs * (0.9 + 0.2 * random());
    builder.addSample(stackIds[stack]!, 1, { time });
  }
  return builder.build({ intervalUs, durationUs: time });
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
