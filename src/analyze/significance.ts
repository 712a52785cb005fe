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
}

export interface ProportionTest {
  /** Shares 0..1 of each side. */
  before: number;
  after: number;
  /** Two-sided p-value, not yet corrected for testing many functions. */
  p: number;
}

/**
 * The assumed relative spread of a function's share from one run of a program to the next. Measured here:
 * 10 runs of fixtures/programs/regression.js at 1,600 Hz varied 0 to 4.2% beyond sampling noise.
 */
export const RUN_SPREAD = 0.03;
/** How many degrees of freedom the assumed spread is worth against one measured from several runs. */
const PRIOR_RUNS = 4;

/**
 * Fewer than this many samples inside (or outside) a function on both sides together cannot give a
 * significant result once corrected for many tests; such functions are not tested, which keeps the
 * correction from being diluted by them. The rule depends only on the pooled count, not on how it splits
 * between the sides, so it does not bias the test.
 */
export const MIN_TESTED_SAMPLES = 10;

/** The test, or undefined when the function has too few samples to be tested. */
export function proportionTest(before: SideCounts, after: SideCounts): ProportionTest | undefined {
  const x1 = sum(before.counts);
  const n1 = sum(before.samples);
  const x2 = sum(after.counts);
  const n2 = sum(after.samples);
  if (n1 <= 0 || n2 <= 0) return undefined;
  if (Math.min(x1 + x2, n1 - x1 + (n2 - x2)) < MIN_TESTED_SAMPLES) return undefined;
  const p1 = x1 / n1;
  const p2 = x2 / n2;

  // Burstiness, from both sides' blocks together: under the null hypothesis they share one dispersion.
  const blocks1 = pearsonChiSquare(before, p1);
  const blocks2 = pearsonChiSquare(after, p2);
  const blockDf = blocks1.degreesOfFreedom + blocks2.degreesOfFreedom;
  const dispersion = blockDf > 0 ? Math.max(1, (blocks1.chiSquare + blocks2.chiSquare) / blockDf) : 1;
  const pooled = (x1 + x2) / (n1 + n2);
  const variance = sideVariance(before, pooled, (dispersion * pooled * (1 - pooled)) / n1) + sideVariance(after, pooled, (dispersion * pooled * (1 - pooled)) / n2);

  const standardError = Math.sqrt(variance);
  if (!(standardError > 0)) return { before: p1, after: p2, p: p1 === p2 ? 1 : 0 };
  const z = Math.abs(p2 - p1) / standardError;
  // An estimated dispersion is uncertain: read z against Student's t with the blocks' degrees of freedom.
  const tail = dispersion > 1 ? jStat.studentt.cdf(-z, blockDf) : jStat.normal.cdf(-z, 0, 1);
  return { before: p1, after: p2, p: Math.min(1, 2 * tail) };
}

/**
 * The variance of one side's share: sampling (`sampling`, already widened for bursts) plus run-to-run
 * variation. That is assumed to be RUN_SPREAD of the share per run; with several runs, the spread measured
 * between them (beyond sampling) updates the assumption, weighted by its degrees of freedom against
 * PRIOR_RUNS, so that two or three runs cannot talk the variance down to nothing, nor blow it up by chance.
 * `share` is the pooled share of both sides, the one the null hypothesis says both have, and so what the
 * assumed spread is taken of.
 */
function sideVariance(side: SideCounts, share: number, sampling: number): number {
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
  if (runs.length < 2) return sampling + assumed;
  // The between-run ("cluster-robust") variance of this side's share, less what sampling explains.
  const own = sum(runs.map((r) => r.count)) / total;
  const between = ((runs.length / (runs.length - 1)) * sum(runs.map((r) => (r.count - r.samples * own) ** 2))) / total ** 2;
  const measured = Math.max(0, between - sampling);
  const df = runs.length - 1;
  return sampling + (PRIOR_RUNS * assumed + df * measured) / (PRIOR_RUNS + df);
}

function pearsonChiSquare(side: SideCounts, share: number): { chiSquare: number; degreesOfFreedom: number } {
  let chiSquare = 0;
  let replicates = 0;
  side.samples.forEach((n, j) => {
    if (n <= 0) return;
    replicates++;
    const expected = n * share;
    const variance = expected * (1 - share);
    if (variance > 0) chiSquare += (side.counts[j]! - expected) ** 2 / variance;
  });
  return { chiSquare, degreesOfFreedom: Math.max(0, replicates - 1) };
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
