import jStat from 'jstat';

/**
 * Is a function's share of the samples different between two profiles, beyond noise?
 *
 * A two-proportion test on the pooled counts, with a variance that admits the kinds of noise profiles of
 * real programs have beyond independent coin tosses:
 * - With several runs on a side, the runs themselves show how much a share varies from run to run (bursts,
 *   JIT decisions, how the samples fall, all together): each run's share is a replicate. Two or three runs
 *   say little about one function, so the variance is moderated as limma's t-test does: a function's own
 *   between-run variance is combined with the variance every function of these recordings shows
 *   (runDispersion: a factor on the binomial plus a relative spread, fitted over all functions and both
 *   sides), weighted by their degrees of freedom. The result is read against Student's t.
 * - With one run on a side, nothing shows the run-to-run variation: each run is assumed to vary by RUN_SPREAD
 *   of the share, and bursts (a function called once runs for many consecutive samples) are measured within
 *   the run: Pearson's chi-square of the counts across its time blocks, over its degrees of freedom, and how
 *   often a sample in the function is followed by another (quasi-binomial overdispersion).
 */

/** One side's counts of one function: per replicate (time block), its count, the block's total and its run. */
export interface SideCounts {
  counts: readonly number[];
  samples: readonly number[];
  runs: readonly number[];
  /** Per replicate, how many of the function's samples the next sample of the thread was also in; null without sample times. */
  stays: readonly (number | null)[];
}

export interface ProportionTest {
  /** Shares 0..1 of each side. */
  before: number;
  after: number;
  /** Two-sided p-value, not yet corrected for testing many functions. */
  p: number;
}

/**
 * The assumed relative spread of a function's share from one run of a program to the next, beyond sampling
 * noise, for a side of one run. Measured (bench/diff-fixture.ts, docs/benchmarks.md): 10 s recordings of
 * fixtures/programs/regression.js vary by 0.6 to 0.8 points where the binomial says 0.6, about 3% of the
 * share; up to 4.2% for an earlier version of it whose identical rounds fell into step with the sampler.
 */
export const RUN_SPREAD = 0.03;

/**
 * Fewer than this many samples inside (or outside) a function on both sides together, counted as
 * independent samples (bursts count less), give no reliable result: the normal approximation fails and the
 * result could not survive the correction anyway. Such functions are not tested, which also keeps the
 * correction from being diluted by them. The rule depends on the pooled count, not on how it splits between
 * the sides, so it does not bias the test.
 */
export const MIN_TESTED_SAMPLES = 20;

/**
 * How the share of a function varies from run to run in the recordings of a diff (runDispersion): a run's
 * share varies as `binomialFactor` times the binomial (bursts, how the samples fall) plus a relative spread
 * (`relativeSpread2` is its square: the whole function taking a little more or less time in one run), with
 * the degrees of freedom this estimate rests on.
 */
export interface RunDispersion {
  binomialFactor: number;
  relativeSpread2: number;
  df: number;
}

/** The pooled estimate counts as at most this many degrees of freedom against a function's own. */
const MAX_POOLED_DF = 10;

/**
 * The run-to-run variation of these recordings, from every function given (with samples enough) on each side
 * of two runs or more: each function's Pearson chi-square of its per-run counts over its degrees of freedom
 * is about binomialFactor + relativeSpread2 * n * p / (1 - p) for runs of n samples and a share p, fitted over
 * the functions by weighted least squares. Hot functions show a run-to-run spread more than cold ones, so it
 * is not one factor for all. Never below the binomial: runs that agree better than independent samples
 * would are taken for chance. Undefined when no side has two runs.
 */
export function runDispersion(functions: readonly (readonly [SideCounts, SideCounts])[]): RunDispersion | undefined {
  const points: { ratio: number; x: number; df: number }[] = [];
  for (const sides of functions) {
    for (const side of sides) {
      const runs = countsByRun(side);
      if (runs.length < 2) continue;
      const total = sum(runs.map((r) => r.samples));
      const share = sum(runs.map((r) => r.count)) / total;
      if (share <= 0 || share >= 1) continue;
      let chiSquare = 0;
      for (const run of runs) chiSquare += (run.count - run.samples * share) ** 2 / (run.samples * share * (1 - share));
      // The functions' shares add up to one, so their spreads are not independent: weighted by 1 - share,
      // the degrees of freedom add up to Pearson's (functions - 1) * (runs - 1) when they cover every sample.
      const df = (runs.length - 1) * (1 - share);
      points.push({ ratio: chiSquare / (runs.length - 1), x: ((total / runs.length) * share) / (1 - share), df });
    }
  }
  const df = sum(points.map((p) => p.df));
  if (df === 0) return undefined;
  const w = (f: (p: { ratio: number; x: number; df: number }) => number) => sum(points.map((p) => p.df * f(p)));
  const meanRatio = w((p) => p.ratio) / df;
  const meanX = w((p) => p.x) / df;
  const sxx = w((p) => (p.x - meanX) ** 2);
  let slope = sxx > 0 ? w((p) => (p.x - meanX) * (p.ratio - meanRatio)) / sxx : 0;
  let intercept = meanRatio - slope * meanX;
  if (slope < 0) [slope, intercept] = [0, meanRatio];
  if (intercept < 1) {
    intercept = 1;
    const sx2 = w((p) => p.x ** 2);
    slope = sx2 > 0 ? Math.max(0, w((p) => p.x * (p.ratio - 1)) / sx2) : 0;
  }
  // Two figures were fitted from these degrees of freedom.
  return { binomialFactor: intercept, relativeSpread2: slope, df: Math.min(MAX_POOLED_DF, Math.max(1, df - 2)) };
}

/**
 * The test, or undefined when the function has too few samples to be tested. `dispersionRuns`: the
 * runDispersion of the whole diff, for sides of two runs or more (default: of this function alone).
 */
export function proportionTest(before: SideCounts, after: SideCounts, dispersionRuns?: RunDispersion): ProportionTest | undefined {
  const x1 = sum(before.counts);
  const n1 = sum(before.samples);
  const x2 = sum(after.counts);
  const n2 = sum(after.samples);
  if (n1 <= 0 || n2 <= 0) return undefined;
  const p1 = x1 / n1;
  const p2 = x2 / n2;

  const pooled = (x1 + x2) / (n1 + n2);
  // Burstiness, from both sides together (under the null hypothesis they share it): short-range from how
  // often a sample is followed by another in the function, long-range from the spread between time blocks.
  const blocks1 = pearsonChiSquare(before);
  const blocks2 = pearsonChiSquare(after);
  const blockDf = blocks1.degreesOfFreedom + blocks2.degreesOfFreedom;
  const blockDispersion = blockDf > 0 ? (blocks1.chiSquare + blocks2.chiSquare) / blockDf : 1;
  const dispersion = Math.max(1, blockDispersion, burstDispersion([before, after], pooled));
  // In bursts of about `dispersion` samples, a count is worth that many times fewer independent samples.
  if (Math.min(x1 + x2, n1 - x1 + (n2 - x2)) / dispersion < MIN_TESTED_SAMPLES) return undefined;
  // Without the diff's pooled figure, this function's own runs are all there is to go by.
  const runs = dispersionRuns ?? runDispersion([[before, after]]);
  const varianceOf = (side: SideCounts, n: number) =>
    runs && countsByRun(side).length >= 2 ? runsVariance(side, pooled, runs) : oneRunVariance(pooled, (dispersion * pooled * (1 - pooled)) / n);
  const side1 = varianceOf(before, n1);
  const side2 = varianceOf(after, n2);

  const standardError = Math.sqrt(side1.variance + side2.variance);
  if (!(standardError > 0)) return { before: p1, after: p2, p: p1 === p2 ? 1 : 0 };
  const z = Math.abs(p2 - p1) / standardError;
  // Variances estimated from few replicates are uncertain: read z against Student's t, with the
  // Welch-Satterthwaite degrees of freedom of the two sides' variances, or with the blocks' when their
  // spread decided the dispersion; the fewer of the two.
  const welch = (side1.variance + side2.variance) ** 2 / (side1.variance ** 2 / side1.df + side2.variance ** 2 / side2.df);
  const fromBlocks = side1.df === Infinity || side2.df === Infinity; // a side of one run, widened by its blocks
  const df = Math.min(fromBlocks && dispersion > 1 && dispersion === blockDispersion ? blockDf : Infinity, welch);
  const tail = Number.isFinite(df) ? jStat.studentt.cdf(-z, df) : jStat.normal.cdf(-z, 0, 1);
  return { before: p1, after: p2, p: Math.min(1, 2 * tail) };
}

/**
 * The variance of the pooled share of a side of several runs, moderated: the variance these recordings'
 * runs show for a function of this share (`dispersion`: a factor on the binomial plus a relative spread) and
 * this function's own between-run variance, weighted by their degrees of freedom. `share` is the pooled
 * share of both sides, the one the null hypothesis says both have.
 */
function runsVariance(side: SideCounts, share: number, dispersion: RunDispersion): { variance: number; df: number } {
  const runs = countsByRun(side);
  const total = sum(runs.map((r) => r.samples));
  const own = sum(runs.map((r) => r.count)) / total;
  // Runs of unequal length: the cluster-robust variance of the pooled share, and fewer effective runs.
  const measured = ((runs.length / (runs.length - 1)) * sum(runs.map((r) => (r.count - r.samples * own) ** 2))) / total ** 2;
  const effectiveRuns = total ** 2 / sum(runs.map((r) => r.samples ** 2));
  const model = (dispersion.binomialFactor * share * (1 - share)) / total + (dispersion.relativeSpread2 * share ** 2) / effectiveRuns;
  const df = runs.length - 1;
  return { variance: (dispersion.df * model + df * measured) / (dispersion.df + df), df: dispersion.df + df };
}

/** A side's counts per run (its time blocks added up), runs without samples left out. */
function countsByRun(side: SideCounts): { count: number; samples: number }[] {
  const byRun = new Map<number, { count: number; samples: number }>();
  side.runs.forEach((run, j) => {
    const entry = byRun.get(run) ?? { count: 0, samples: 0 };
    entry.count += side.counts[j]!;
    entry.samples += side.samples[j]!;
    byRun.set(run, entry);
  });
  return [...byRun.values()].filter((r) => r.samples > 0);
}

/**
 * The variance of the share of a side of one run: sampling (`sampling`, already widened for bursts) plus
 * run-to-run variation, which one run cannot show and is assumed to be RUN_SPREAD of the share. `share` is
 * the pooled share of both sides, the one the null hypothesis says both have.
 */
function oneRunVariance(share: number, sampling: number): { variance: number; df: number } {
  return { variance: sampling + (RUN_SPREAD * share) ** 2, df: Infinity };
}

/**
 * The variance factor of a function's count from its bursts, modelling its presence sample by sample as a
 * two-state Markov chain: with lag-1 autocorrelation rho (from how often a sample in the function is
 * followed by another in it, against the share), a count varies (1 + rho) / (1 - rho) times as much as
 * independent samples' would. 1 when the profiles have no sample order.
 */
function burstDispersion(sides: readonly SideCounts[], share: number): number {
  let stays = 0;
  let counts = 0;
  for (const side of sides) {
    side.stays.forEach((stay, j) => {
      if (stay === null) return;
      stays += stay;
      counts += side.counts[j]!;
    });
  }
  if (counts === 0 || share >= 1) return 1;
  const rho = Math.min(0.99, Math.max(0, (stays / counts - share) / (1 - share)));
  return (1 + rho) / (1 - rho);
}

/**
 * Pearson's chi-square of a side's counts across the time blocks of each run, each block against its own
 * run's share (differences between runs are run-to-run variation, counted apart). A run without the function
 * (or with nothing else) says nothing about its bursts.
 */
function pearsonChiSquare(side: SideCounts): { chiSquare: number; degreesOfFreedom: number } {
  const byRun = new Map<number, number[]>();
  side.runs.forEach((run, j) => {
    if (side.samples[j]! > 0) byRun.set(run, [...(byRun.get(run) ?? []), j]);
  });
  let chiSquare = 0;
  let degreesOfFreedom = 0;
  for (const blocks of byRun.values()) {
    const share = sum(blocks.map((j) => side.counts[j]!)) / sum(blocks.map((j) => side.samples[j]!));
    if (share <= 0 || share >= 1) continue;
    for (const j of blocks) {
      const expected = side.samples[j]! * share;
      chiSquare += (side.counts[j]! - expected) ** 2 / (expected * (1 - share));
    }
    degreesOfFreedom += blocks.length - 1;
  }
  return { chiSquare, degreesOfFreedom };
}

/**
 * Holm's step-down correction: adjusted p-values such that rejecting every adjusted p below alpha keeps the
 * chance of even one false finding among all the tests at most alpha, whatever their dependence.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(pValues.length);
  let running = 0;
  order.forEach(([p, index], rank) => {
    running = Math.max(running, Math.min(1, (pValues.length - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
