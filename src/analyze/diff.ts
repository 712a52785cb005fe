import { describeProfile } from '../model/profile-summary.js';
import { totalWeight, type Frame, type Profile } from '../model/profile.js';
import { countReplicates, functionKey, FunctionKeys, type Replicate } from './diff-counts.js';
import { holmAdjust, MIN_TESTED_SAMPLES, proportionTest, runDispersion, sum, type ProportionTest, type SideCounts } from './significance.js';

/**
 * `tsprof diff`'s table: for every function, its share of the samples before and after, the change, and
 * whether the change is beyond sampling noise. Shares, not sample counts, are compared, so profiles of
 * different lengths and rates compare fairly. Each side may be several runs of the same version, pooled.
 */

export type Verdict = 'regressed' | 'improved' | 'noise';

export interface FunctionChange {
  frame: Frame;
  /** Pooled sample counts. */
  before: number;
  after: number;
  /** Percent of all samples, 0..100. */
  beforeShare: number;
  afterShare: number;
  /** afterShare - beforeShare, in percentage points. */
  points: number;
  /** Relative change of the share in percent; null when the function is new (no samples before). */
  relative: number | null;
  /** Holm-corrected p-value; null when the function has too few samples to be tested. */
  p: number | null;
  verdict: Verdict;
}

export interface SideSummary {
  runs: number;
  /** Samples, or for memory profiles the sampled allocations their bytes stand for. */
  samples: number;
  /** Memory profiles: the bytes of all runs. */
  bytes?: number;
  durationUs?: number;
  rateHz?: number;
}

export interface ProfileDiff {
  /** What the shares are of: CPU samples (or time), or bytes of memory profiles. */
  unit: 'samples' | 'bytes';
  /** The own-time rows are lines of functions (diff --lines). */
  lines?: boolean;
  before: SideSummary;
  after: SideSummary;
  /** The family-wise error rate the verdicts keep: the chance that any `noise` function is called changed. */
  alpha: number;
  /** How many distinct tests the correction counted (self and total of every function with enough samples). */
  tests: number;
  /** By own time, largest change in points first. */
  self: FunctionChange[];
  /** By inclusive time, the same order. */
  total: FunctionChange[];
}

export interface DiffOptions {
  cwd: string;
  /** Own time by the line that was executing, where the profiles say (inclusive time stays by function). */
  lines?: boolean;
  /** Default 0.05. */
  alpha?: number;
}

export function diffProfiles(before: readonly Profile[], after: readonly Profile[], options: DiffOptions): ProfileDiff {
  const alpha = options.alpha ?? 0.05;
  const keys = new FunctionKeys(options.cwd);
  const byLine = { lines: options.lines ?? false };
  const beforeReplicates = before.flatMap((profile, run) => countReplicates(profile, keys, run, byLine));
  const afterReplicates = after.flatMap((profile, run) => countReplicates(profile, keys, run, byLine));

  // One test per distinct hypothesis: a function that calls nothing has the same self and total counts,
  // and a chain of callers that is on every stack has one count for all; counting those twice would only
  // make the correction stricter for nothing.
  const measures = ['self', 'total'] as const;
  // How much shares vary between runs here, from every function with samples enough to say (by own time,
  // where functions overlap least).
  const dispersion = runDispersion(
    keys.frames
      .map((_, key) => [sideCounts(beforeReplicates, 'self', key), sideCounts(afterReplicates, 'self', key)] as const)
      .filter((sides) => sides.every((side) => Math.min(sum(side.counts), sum(side.samples) - sum(side.counts)) >= MIN_TESTED_SAMPLES)),
  );
  const testOf = new Map<string, ProportionTest | undefined>();
  const tests = measures.map((measure) =>
    keys.frames.map((_, key) => {
      const before = sideCounts(beforeReplicates, measure, key);
      const after = sideCounts(afterReplicates, measure, key);
      const hypothesis = [before.counts, before.stays, after.counts, after.stays].map((list) => list.join(',')).join('/');
      if (!testOf.has(hypothesis)) testOf.set(hypothesis, proportionTest(before, after, dispersion));
      return testOf.get(hypothesis);
    }),
  );
  const tested = [...testOf.values()].filter((test): test is ProportionTest => test !== undefined);
  const adjusted = holmAdjust(tested.map((test) => test.p));
  const adjustedOf = new Map(tested.map((test, i) => [test, adjusted[i]!]));

  const beforeSamples = totalSamples(beforeReplicates);
  const afterSamples = totalSamples(afterReplicates);
  const [self, total] = measures.map((measure, m) => {
    const rows: FunctionChange[] = [];
    keys.frames.forEach((frame, key) => {
      const x1 = countOf(beforeReplicates, measure, key);
      const x2 = countOf(afterReplicates, measure, key);
      if (x1 === 0 && x2 === 0) return;
      const test = tests[m]![key];
      const p = test ? adjustedOf.get(test)! : null;
      const beforeShare = beforeSamples > 0 ? (100 * x1) / beforeSamples : 0;
      const afterShare = afterSamples > 0 ? (100 * x2) / afterSamples : 0;
      const verdict: Verdict = p !== null && p < alpha ? (afterShare > beforeShare ? 'regressed' : 'improved') : 'noise';
      rows.push({
        frame,
        before: x1,
        after: x2,
        beforeShare,
        afterShare,
        points: afterShare - beforeShare,
        relative: beforeShare > 0 ? 100 * (afterShare / beforeShare - 1) : null,
        p,
        verdict,
      });
    });
    return rows.sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || a.frame.name.localeCompare(b.frame.name));
  });

  return {
    unit: before[0]?.unit === 'bytes' ? 'bytes' : 'samples',
    ...(options.lines ? { lines: true } : {}),
    before: summarize(before, beforeSamples),
    after: summarize(after, afterSamples),
    alpha,
    tests: tested.length,
    self: self!,
    total: total!,
  };
}

function sideCounts(replicates: readonly Replicate[], measure: 'self' | 'total', key: number): SideCounts {
  const stays = replicates.map((r) => r[measure === 'self' ? 'selfStays' : 'totalStays']);
  return {
    counts: replicates.map((r) => r[measure].get(key) ?? 0),
    samples: replicates.map((r) => r.samples),
    runs: replicates.map((r) => r.run),
    stays: stays.map((map) => (map ? (map.get(key) ?? 0) : null)),
  };
}

function countOf(replicates: readonly Replicate[], measure: 'self' | 'total', key: number): number {
  let count = 0;
  for (const r of replicates) count += r[measure].get(key) ?? 0;
  return count;
}

function totalSamples(replicates: readonly Replicate[]): number {
  let count = 0;
  for (const r of replicates) count += r.samples;
  return count;
}

/** Runs, samples, summed duration and the (sample-weighted) rate of one side. */
function summarize(profiles: readonly Profile[], samples: number): SideSummary {
  const runs = profiles.map((profile) => describeProfile(profile));
  const durations = runs.map((run) => run.durationUs);
  const rated = runs.filter((run) => run.rateHz !== undefined);
  const ratedSamples = rated.reduce((sum, run) => sum + run.sampleCount, 0);
  return {
    runs: profiles.length,
    samples: Math.round(samples),
    ...(profiles[0]?.unit === 'bytes' ? { bytes: profiles.reduce((sum, profile) => sum + totalWeight(profile), 0) } : {}),
    ...(durations.every((d) => d !== undefined) ? { durationUs: durations.reduce((a, b) => (a ?? 0) + (b ?? 0), 0) } : {}),
    ...(rated.length === runs.length && ratedSamples > 0 ? { rateHz: rated.reduce((sum, run) => sum + run.rateHz! * run.sampleCount, 0) / ratedSamples } : {}),
  };
}

/** The own-time row of the function `frame` belongs to, as the diff matched functions (name and file). */
export function selfChangeOf(diff: ProfileDiff, cwd: string): (frame: Frame) => FunctionChange | undefined {
  const byKey = new Map(diff.self.map((row) => [functionKey(row.frame, cwd), row]));
  return (frame) => byKey.get(functionKey(frame, cwd));
}

export interface RegressionGate {
  /** Smallest relative growth of a function's share that fails, in percent. */
  minRelative: number;
  /** Smallest share of the after profile, in percent, for a function to count. */
  minShare: number;
}

/**
 * The functions that fail `--fail-on-regression`: own time significantly up, by more than `minRelative`
 * percent of its share, in a function that has at least `minShare` percent of the after profile. Own time
 * (not inclusive) so the message names the function that got slower rather than all its callers.
 */
export function significantRegressions(diff: ProfileDiff, gate: RegressionGate): FunctionChange[] {
  return diff.self.filter(
    (row) => row.verdict === 'regressed' && (row.relative === null || row.relative > gate.minRelative) && row.afterShare >= gate.minShare,
  );
}
