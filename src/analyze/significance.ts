import jStat from 'jstat';

/**
 * Is a function's share of the samples different between two profiles, beyond noise?
 *
 * A two-proportion z-test on the pooled counts, with a variance that admits the two kinds of noise profiles
 * of real programs have beyond independent coin tosses:
 * - bursts: a function called once runs for many consecutive samples. Each side's replicates are time
 *   blocks of each run; Pearson's chi-square of the counts across them, over its degrees of freedom, says how
 *   many times the binomial variance the share really varies (quasi-binomial overdispersion).
 * - run-to-run variation: the same program run twice divides its time a little differently (JIT decisions,
 *   code placement, how the samples fall). One run cannot show this, so each run is assumed to vary by
 *   RUN_SPREAD of the share; with several runs per side, the spread measured between them refines that.
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
 * noise. Measured (bench/diff-fixture.ts, docs/benchmarks.md): 0 for fixtures/programs/regression.js, up to
 * 4.2% for an earlier version of it whose identical rounds fell into step with the sampler.
 */
export const RUN_SPREAD = 0.03;
/** How many runs' worth of evidence the assumed spread counts as, against a spread measured between runs. */
const PRIOR_DF = 4;

/**
 * Fewer than this many samples inside (or outside) a function on both sides together, counted as
 * independent samples (bursts count less), give no reliable result: the normal approximation fails and the
 * result could not survive the correction anyway. Such functions are not tested, which also keeps the
 * correction from being diluted by them. The rule depends on the pooled count, not on how it splits between
 * the sides, so it does not bias the test.
 */
export const MIN_TESTED_SAMPLES = 20;

/** The test, or undefined when the function has too few samples to be tested. */
export function proportionTest(before: SideCounts, after: SideCounts): ProportionTest | undefined {
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
  const side1 = sideVariance(before, pooled, (dispersion * pooled * (1 - pooled)) / n1);
  const side2 = sideVariance(after, pooled, (dispersion * pooled * (1 - pooled)) / n2);

  const standardError = Math.sqrt(side1.variance + side2.variance);
  if (!(standardError > 0)) return { before: p1, after: p2, p: p1 === p2 ? 1 : 0 };
  const z = Math.abs(p2 - p1) / standardError;
  // Variances estimated from few replicates are uncertain: read z against Student's t, with the
  // Welch-Satterthwaite degrees of freedom of the two sides' variances, or with the blocks' when their
  // spread decided the dispersion; the fewer of the two.
  const welch = (side1.variance + side2.variance) ** 2 / (side1.variance ** 2 / side1.df + side2.variance ** 2 / side2.df);
  const df = Math.min(dispersion > 1 && dispersion === blockDispersion ? blockDf : Infinity, welch);
  const tail = Number.isFinite(df) ? jStat.studentt.cdf(-z, df) : jStat.normal.cdf(-z, 0, 1);
  return { before: p1, after: p2, p: Math.min(1, 2 * tail) };
}

/**
 * The variance of one side's share: sampling (`sampling`, already widened for bursts) plus run-to-run
 * variation. That is assumed to be RUN_SPREAD of the share per run; with several runs, the spread measured
 * between them (beyond sampling) is combined with the assumption, weighted by degrees of freedom
 * (PRIOR_DF for the assumption, runs - 1 for the measurement), as empirical-Bayes t-tests do: two or three
 * runs can neither talk the variance down to nothing nor blow it up by chance. The result has PRIOR_DF +
 * runs - 1 degrees of freedom. `share` is the pooled share of both sides, the one the null hypothesis says
 * both have, and so what the assumed spread is taken of.
 */
function sideVariance(side: SideCounts, share: number, sampling: number): { variance: number; df: number } {
  const byRun = new Map<number, { count: number; samples: number }>();
  side.runs.forEach((run, j) => {
    const entry = byRun.get(run) ?? { count: 0, samples: 0 };
    entry.count += side.counts[j]!;
    entry.samples += side.samples[j]!;
    byRun.set(run, entry);
  });
  const runs = [...byRun.values()].filter((r) => r.samples > 0);
  const total = sum(runs.map((r) => r.samples));
  // Runs of unequal length count as fewer runs.
  const effectiveRuns = total ** 2 / sum(runs.map((r) => r.samples ** 2));
  const assumed = (RUN_SPREAD * share) ** 2 / effectiveRuns;
  if (runs.length < 2) return { variance: sampling + assumed, df: Infinity };
  // The between-run ("cluster-robust") variance of this side's share, less what sampling explains.
  const own = sum(runs.map((r) => r.count)) / total;
  const between = ((runs.length / (runs.length - 1)) * sum(runs.map((r) => (r.count - r.samples * own) ** 2))) / total ** 2;
  const measured = Math.max(0, between - sampling);
  const df = runs.length - 1;
  return { variance: sampling + (PRIOR_DF * assumed + df * measured) / (PRIOR_DF + df), df: PRIOR_DF + df };
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

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
