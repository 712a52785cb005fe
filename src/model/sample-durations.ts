import type { Profile } from './profile.js';

/**
 * A sample stands for at most this many sampling intervals. The gap to the next sample of the thread is longer
 * when the samples between were left out (the event loop's `(idle)` time, tsprof's own work) or the thread
 * slept: that time was not spent in the sample's stack.
 */
export const MAX_INTERVALS_PER_SAMPLE = 4;

/**
 * How long each sample stood for, in microseconds: the time to the next sample of the same thread, capped at
 * MAX_INTERVALS_PER_SAMPLE intervals (the thread's median gap, or the stated interval). The last sample of a
 * thread gets one interval. Undefined when the profile has no timestamps or its weights are not sample counts.
 */
export function sampleDurationsUs(profile: Profile): Float64Array | undefined {
  const { time, thread, length } = profile.samples;
  if (!time || profile.unit !== 'samples') return undefined;
  const durations = new Float64Array(length);
  const lastIndexOfThread = new Map<number, number>();
  const gaps: number[] = [];
  for (let i = 0; i < length; i++) {
    const previous = lastIndexOfThread.get(thread[i]!);
    if (previous !== undefined) {
      const gap = Math.max(0, time[i]! - time[previous]!);
      durations[previous] = gap;
      gaps.push(gap);
    }
    lastIndexOfThread.set(thread[i]!, i);
  }
  const interval = median(gaps) ?? profile.meta.intervalUs ?? 1000;
  const cap = MAX_INTERVALS_PER_SAMPLE * interval;
  for (let i = 0; i < length; i++) durations[i] = Math.min(durations[i]!, cap);
  for (const last of lastIndexOfThread.values()) durations[last] = interval;
  return durations;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
